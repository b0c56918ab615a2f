<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>AccountDialog</name>
    <message>
        <source>Enter your user name or extension.</source>
        <translation>Geben Sie Ihren Benutzernamen oder Ihre Nebenstelle ein.</translation>
    </message>
    <message>
        <source>Enter only the user name or extension, without spaces or “@”.</source>
        <translation>Geben Sie nur den Benutzernamen oder die Nebenstelle ein, ohne Leerzeichen und ohne „@“.</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Geben Sie Ihr Passwort ein.</translation>
    </message>
    <message>
        <source>Enter the server address.</source>
        <translation>Geben Sie die Serveradresse ein.</translation>
    </message>
    <message>
        <source>Enter the server without “sip:”.</source>
        <translation>Geben Sie den Server ohne „sip:“ ein.</translation>
    </message>
    <message>
        <source>This is not a valid host name or IP address.</source>
        <translation>Das ist kein gültiger Hostname und keine gültige IP-Adresse.</translation>
    </message>
    <message>
        <source>The port must be a number from 1 to 65535.</source>
        <translation>Der Port muss eine Zahl von 1 bis 65535 sein.</translation>
    </message>
    <message>
        <source>No system keyring is available.</source>
        <translation>Es ist kein Systemschlüsselbund verfügbar.</translation>
    </message>
    <message>
        <source>The password could not be stored: {error}</source>
        <translation>Das Passwort konnte nicht gespeichert werden: {error}</translation>
    </message>
    <message>
        <source>SIP Account</source>
        <translation>SIP-Konto</translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation>&amp;Anzeigename:</translation>
    </message>
    <message>
        <source>&amp;User or extension:</source>
        <translation>&amp;Benutzer oder Nebenstelle:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;Transport:</source>
        <translation>&amp;Transport:</translation>
    </message>
    <message>
        <source>Shown to the people you call</source>
        <translation>Wird Ihren Gesprächspartnern angezeigt</translation>
    </message>
    <message>
        <source>e.g. 201</source>
        <translation>z. B. 201</translation>
    </message>
    <message>
        <source>pbx.example.com or pbx.example.com:5060</source>
        <translation>pbx.example.com oder pbx.example.com:5060</translation>
    </message>
    <message>
        <source>Password storage</source>
        <translation>Speicherung des Passworts</translation>
    </message>
    <message>
        <source>Save the password in the system keyring</source>
        <translation>Passwort im Schlüsselbund des Systems speichern</translation>
    </message>
    <message>
        <source>No system keyring (such as GNOME Keyring or KWallet) is available on this computer, so the password cannot be stored securely.</source>
        <translation>Auf diesem Computer ist kein Systemschlüsselbund (wie GNOME Keyring oder KWallet) verfügbar, daher kann das Passwort nicht sicher gespeichert werden.</translation>
    </message>
    <message>
        <source>Don&apos;t store the password (ask at each start)</source>
        <translation>Passwort nicht speichern (bei jedem Start nachfragen)</translation>
    </message>
    <message>
        <source>Store it in a plaintext file: {path}</source>
        <translation>In einer unverschlüsselten Textdatei speichern: {path}</translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>Mute</source>
        <translation>Stumm</translation>
    </message>
    <message>
        <source>Mute your microphone</source>
        <translation>Mikrofon stummschalten</translation>
    </message>
    <message>
        <source>Hold or resume the call</source>
        <translation>Anruf halten oder fortsetzen</translation>
    </message>
    <message>
        <source>Keypad</source>
        <translation>Tastenfeld</translation>
    </message>
    <message>
        <source>Send tones (DTMF)</source>
        <translation>Töne senden (DTMF)</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>Weiterverbinden</translation>
    </message>
    <message>
        <source>Transfer the call</source>
        <translation>Anruf weiterverbinden</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Auflegen</translation>
    </message>
    <message>
        <source>End the call</source>
        <translation>Anruf beenden</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>On hold: click to switch to this call</source>
        <translation>Gehalten: klicken, um zu diesem Gespräch zu wechseln</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>{state} · muted</source>
        <translation>{state} · stummgeschaltet</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Stumm aus</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>Halten</translation>
    </message>
    <message>
        <source>To a number…</source>
        <translation>An eine Rufnummer…</translation>
    </message>
    <message>
        <source>Connect with</source>
        <translation>Verbinden mit</translation>
    </message>
</context>
<context>
    <name>ColleaguePanel</name>
    <message>
        <source>Call</source>
        <translation>Anrufen</translation>
    </message>
    <message>
        <source>Pick up the call</source>
        <translation>Anruf heranholen</translation>
    </message>
    <message>
        <source>Transfer the current call here</source>
        <translation>Laufenden Anruf hierher weiterverbinden</translation>
    </message>
    <message>
        <source>Consult, then transfer</source>
        <translation>Rückfrage, dann übergeben</translation>
    </message>
    <message>
        <source>Mark colleagues as favorites in the contacts to see them here.</source>
        <translation>Markieren Sie Kolleginnen und Kollegen in den Kontakten als Favoriten, um sie hier zu sehen.</translation>
    </message>
</context>
<context>
    <name>ConferenceJoiner</name>
    <message>
        <source>{room}: the conference room is full</source>
        <translation>{room}: Der Konferenzraum ist voll</translation>
    </message>
    <message>
        <source>{room}: your number is not admitted to this conference room (or it was withheld)</source>
        <translation>{room}: Ihre Nummer ist für diesen Konferenzraum nicht zugelassen (oder sie wurde unterdrückt)</translation>
    </message>
    <message>
        <source>{room}: the conference room is locked, or too many wrong PINs were tried from your number; try again later</source>
        <translation>{room}: Der Konferenzraum ist gesperrt, oder von Ihrer Nummer wurden zu viele falsche PINs versucht; bitte später noch einmal versuchen</translation>
    </message>
    <message>
        <source>{room}: the PIN was not accepted</source>
        <translation>{room}: Die PIN wurde nicht angenommen</translation>
    </message>
</context>
<context>
    <name>ContactDialog</name>
    <message>
        <source>Edit contact</source>
        <translation>Kontakt bearbeiten</translation>
    </message>
    <message>
        <source>New contact</source>
        <translation>Neuer Kontakt</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>N&amp;umber:</source>
        <translation>N&amp;ummer:</translation>
    </message>
    <message>
        <source>&amp;Department:</source>
        <translation>&amp;Abteilung:</translation>
    </message>
    <message>
        <source>e.g. 100 or +49 30 1234567</source>
        <translation>z. B. 100 oder +49 30 1234567</translation>
    </message>
    <message>
        <source>Enter a name.</source>
        <translation>Bitte einen Namen eingeben.</translation>
    </message>
    <message>
        <source>Enter a number that can be dialled.</source>
        <translation>Bitte eine wählbare Nummer eingeben.</translation>
    </message>
</context>
<context>
    <name>ContactsModel</name>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>available</source>
        <translation>erreichbar</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>im Gespräch</translation>
    </message>
    <message>
        <source>ringing</source>
        <translation>klingelt</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>abgemeldet</translation>
    </message>
    <message>
        <source>do not disturb</source>
        <translation>nicht stören</translation>
    </message>
    <message>
        <source>with PIN</source>
        <translation>mit PIN</translation>
    </message>
    <message>
        <source>listed numbers only</source>
        <translation>nur freigegebene Nummern</translation>
    </message>
    <message>
        <source>open to everyone</source>
        <translation>offen für alle</translation>
    </message>
    <message>
        <source>Favorites</source>
        <translation>Favoriten</translation>
    </message>
    <message>
        <source>No department</source>
        <translation>Ohne Abteilung</translation>
    </message>
    <message>
        <source>Personal contacts</source>
        <translation>Eigene Kontakte</translation>
    </message>
    <message>
        <source>Ring groups</source>
        <translation>Sammelrufgruppen</translation>
    </message>
    <message>
        <source>Conference rooms</source>
        <translation>Konferenzräume</translation>
    </message>
    <message>
        <source>Doors</source>
        <translation>Türen</translation>
    </message>
    <message>
        <source>Shared lines</source>
        <translation>Gemeinsame Leitungen</translation>
    </message>
    <message>
        <source>door</source>
        <translation>Tür</translation>
    </message>
    <message>
        <source>conference room</source>
        <translation>Konferenzraum</translation>
    </message>
    <message>
        <source>in the room: {0}</source>
        <translation>im Raum: {0}</translation>
    </message>
    <message>
        <source>favorite</source>
        <translation>Favorit</translation>
    </message>
</context>
<context>
    <name>ContactsView</name>
    <message>
        <source>The PBX did not take the change. Try again later.</source>
        <translation>Die Telefonanlage hat die Änderung nicht übernommen. Bitte später noch einmal versuchen.</translation>
    </message>
    <message>
        <source>Connection to the PBX lost. Reconnecting…</source>
        <translation>Verbindung zur Telefonanlage unterbrochen. Verbinde neu…</translation>
    </message>
    <message>
        <source>Connecting to the PBX…</source>
        <translation>Verbinde mit der Telefonanlage…</translation>
    </message>
    <message>
        <source>The PBX did not accept your user name or password; showing local contacts.</source>
        <translation>Die Telefonanlage hat Benutzername oder Passwort nicht angenommen; es werden die eigenen Kontakte angezeigt.</translation>
    </message>
    <message>
        <source>Favorites can be changed when the PBX is reachable.</source>
        <translation>Favoriten lassen sich ändern, sobald die Telefonanlage erreichbar ist.</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Anrufen</translation>
    </message>
    <message>
        <source>Remove from favorites</source>
        <translation>Aus Favoriten entfernen</translation>
    </message>
    <message>
        <source>Add to favorites</source>
        <translation>Zu Favoriten hinzufügen</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>Details…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Import contacts</source>
        <translation>Kontakte importieren</translation>
    </message>
    <message>
        <source>vCard files (*.vcf *.vcard);;All files (*)</source>
        <translation>vCard-Dateien (*.vcf *.vcard);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Cannot read {file}: {error}</source>
        <translation>{file} kann nicht gelesen werden: {error}</translation>
    </message>
    <message numerus="yes">
        <source>%n contact(s) imported.</source>
        <translation>
            <numerusform>%n Kontakt importiert.</numerusform>
            <numerusform>%n Kontakte importiert.</numerusform>
        </translation>
    </message>
    <message>
        <source>Search name or number</source>
        <translation>Name oder Nummer suchen</translation>
    </message>
    <message>
        <source>Search contacts</source>
        <translation>Kontakte durchsuchen</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Kontakte</translation>
    </message>
    <message>
        <source>More</source>
        <translation>Mehr</translation>
    </message>
    <message>
        <source>New contact…</source>
        <translation>Neuer Kontakt…</translation>
    </message>
    <message>
        <source>Import vCard…</source>
        <translation>vCard importieren…</translation>
    </message>
</context>
<context>
    <name>DetailsDialog</name>
    <message>
        <source>Person</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>Ring group</source>
        <translation>Sammelrufgruppe</translation>
    </message>
    <message>
        <source>Conference room</source>
        <translation>Konferenzraum</translation>
    </message>
    <message>
        <source>Door</source>
        <translation>Tür</translation>
    </message>
    <message>
        <source>Shared line</source>
        <translation>Gemeinsame Leitung</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Number:</source>
        <translation>Nummer:</translation>
    </message>
    <message>
        <source>Department:</source>
        <translation>Abteilung:</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Art:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Local contact</source>
        <translation>Eigener Kontakt</translation>
    </message>
    <message>
        <source>PBX directory</source>
        <translation>Telefonbuch der Telefonanlage</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Quelle:</translation>
    </message>
    <message>
        <source>Favorite:</source>
        <translation>Favorit:</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
</context>
<context>
    <name>DoorContacts</name>
    <message>
        <source>Look at the door</source>
        <translation>Tür ansehen</translation>
    </message>
</context>
<context>
    <name>DoorDetailsDialog</name>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Extension:</source>
        <translation>Durchwahl:</translation>
    </message>
    <message>
        <source>Department:</source>
        <translation>Abteilung:</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Art:</translation>
    </message>
    <message>
        <source>Door</source>
        <translation>Tür</translation>
    </message>
    <message>
        <source>Door station:</source>
        <translation>Türstation:</translation>
    </message>
    <message>
        <source>Door opening allowed:</source>
        <translation>Tür öffnen erlaubt:</translation>
    </message>
    <message>
        <source>Camera:</source>
        <translation>Kamera:</translation>
    </message>
    <message>
        <source>Favorite:</source>
        <translation>Favorit:</translation>
    </message>
    <message>
        <source>Look at the door</source>
        <translation>Tür ansehen</translation>
    </message>
    <message>
        <source>Favorite</source>
        <translation>Favorit</translation>
    </message>
    <message>
        <source>Add to favorites</source>
        <translation>Zu Favoriten hinzufügen</translation>
    </message>
    <message>
        <source>Remove from favorites</source>
        <translation>Aus Favoriten entfernen</translation>
    </message>
</context>
<context>
    <name>DoorMessages</name>
    <message>
        <source>You may not open this door.</source>
        <translation>Sie dürfen diese Tür nicht öffnen.</translation>
    </message>
    <message>
        <source>The PBX says: {reason}</source>
        <translation>Die Telefonanlage meldet: {reason}</translation>
    </message>
    <message>
        <source>The door does not answer. Try again or use the key code.</source>
        <translation>Die Tür antwortet nicht. Versuchen Sie es noch einmal oder nutzen Sie den Türcode.</translation>
    </message>
    <message>
        <source>The door refused the PBX&apos;s request to open. Tell your administrator (door credentials).</source>
        <translation>Die Tür hat das Öffnen durch die Telefonanlage abgelehnt. Bitte sagen Sie Ihrer Administration Bescheid (Zugangsdaten der Tür).</translation>
    </message>
    <message>
        <source>This door has no door opener connected.</source>
        <translation>An dieser Tür ist kein Türöffner angeschlossen.</translation>
    </message>
    <message>
        <source>You opened doors too often in the last minute. Wait a moment, then try again.</source>
        <translation>Sie haben in der letzten Minute zu oft Türen geöffnet. Warten Sie einen Moment und versuchen Sie es dann noch einmal.</translation>
    </message>
    <message>
        <source>The door stays shut: the PBX cannot record who opens it. Tell your administrator (door audit log).</source>
        <translation>Die Tür bleibt zu: Die Telefonanlage kann nicht aufzeichnen, wer sie öffnet. Sagen Sie es Ihrem Administrator (Türprotokoll).</translation>
    </message>
    <message>
        <source>The PBX does not know this door.</source>
        <translation>Die Telefonanlage kennt diese Tür nicht.</translation>
    </message>
    <message>
        <source>Opening (outcome not recorded)</source>
        <translation>Wird geöffnet (Ergebnis nicht aufgezeichnet)</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>Geöffnet</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>This door has no camera.</source>
        <translation>Diese Tür hat keine Kamera.</translation>
    </message>
    <message>
        <source>The door&apos;s camera does not answer.</source>
        <translation>Die Kamera der Tür antwortet nicht.</translation>
    </message>
    <message>
        <source>The video connection failed.</source>
        <translation>Die Videoverbindung ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>The video link was refused.</source>
        <translation>Der Videolink wurde abgelehnt.</translation>
    </message>
    <message>
        <source>No connection to the PBX. Try again in a moment.</source>
        <translation>Keine Verbindung zur Telefonanlage. Versuchen Sie es gleich noch einmal.</translation>
    </message>
    <message>
        <source>The PBX did not answer in time. Check the network and try again.</source>
        <translation>Die Telefonanlage hat nicht rechtzeitig geantwortet. Prüfen Sie das Netzwerk und versuchen Sie es noch einmal.</translation>
    </message>
    <message>
        <source>Too many failed logins for your account: the PBX refuses requests for a while. Try again later.</source>
        <translation>Zu viele fehlgeschlagene Anmeldungen für Ihr Konto: Die Telefonanlage lehnt Anfragen eine Weile ab. Versuchen Sie es später noch einmal.</translation>
    </message>
    <message>
        <source>The PBX reported an error ({code}).</source>
        <translation>Die Telefonanlage meldet einen Fehler ({code}).</translation>
    </message>
</context>
<context>
    <name>DoorView</name>
    <message>
        <source>The video was interrupted – reconnecting…</source>
        <translation>Das Video wurde unterbrochen – neue Verbindung…</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Neue Verbindung…</translation>
    </message>
    <message>
        <source>Connecting to the camera…</source>
        <translation>Verbindung zur Kamera…</translation>
    </message>
    <message>
        <source>Opening the door…</source>
        <translation>Tür wird geöffnet…</translation>
    </message>
    <message>
        <source>Door opened</source>
        <translation>Tür geöffnet</translation>
    </message>
    <message>
        <source>No connection to the PBX.</source>
        <translation>Keine Verbindung zur Telefonanlage.</translation>
    </message>
    <message>
        <source>This door is not in the PBX directory.</source>
        <translation>Diese Tür steht nicht im Verzeichnis der Telefonanlage.</translation>
    </message>
    <message>
        <source>Your role may not open this door</source>
        <translation>Ihre Rolle darf diese Tür nicht öffnen</translation>
    </message>
    <message>
        <source>The PBX has not said whether you may open this door.</source>
        <translation>Die Telefonanlage hat nicht mitgeteilt, ob Sie diese Tür öffnen dürfen.</translation>
    </message>
    <message>
        <source>Open the door now</source>
        <translation>Die Tür jetzt öffnen</translation>
    </message>
    <message>
        <source>Open door</source>
        <translation>Tür öffnen</translation>
    </message>
    <message>
        <source>Door camera</source>
        <translation>Türkamera</translation>
    </message>
</context>
<context>
    <name>DoorWindow</name>
    <message>
        <source>Door: {name}</source>
        <translation>Tür: {name}</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Anrufen</translation>
    </message>
    <message>
        <source>Call the door and talk to whoever is there</source>
        <translation>Die Tür anrufen und mit dem Besuch sprechen</translation>
    </message>
</context>
<context>
    <name>EntryDetails</name>
    <message>
        <source>Call</source>
        <translation>Anrufen</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Missed call</source>
        <translation>Verpasster Anruf</translation>
    </message>
    <message>
        <source>Rejected call</source>
        <translation>Abgewiesener Anruf</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Eingehender Anruf</translation>
    </message>
    <message>
        <source>Outgoing call</source>
        <translation>Ausgehender Anruf</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Angenommen</translation>
    </message>
    <message>
        <source>Answered elsewhere</source>
        <translation>Woanders angenommen</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>Besetzt</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>Keine Antwort</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>Nicht angemeldet</translation>
    </message>
    <message>
        <source>Unavailable</source>
        <translation>Nicht verfügbar</translation>
    </message>
    <message>
        <source>Not reachable</source>
        <translation>Nicht erreichbar</translation>
    </message>
    <message>
        <source>Number not found</source>
        <translation>Nummer unbekannt</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Answered on another device</source>
        <translation>Auf einem anderen Gerät angenommen</translation>
    </message>
    <message>
        <source>Answered by {name}</source>
        <translation>Angenommen von {name}</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>{who}, transferred from {before}</source>
        <translation>{who}, weiterverbunden von {before}</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>Verpasst</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Abgewiesen</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <source>No missed calls.</source>
        <translation>Keine verpassten Anrufe.</translation>
    </message>
    <message>
        <source>No calls yet.</source>
        <translation>Noch keine Anrufe.</translation>
    </message>
    <message>
        <source>Missed only</source>
        <translation>Nur verpasste</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>Zurückrufen</translation>
    </message>
    <message>
        <source>Call the selected number</source>
        <translation>Die ausgewählte Rufnummer anrufen</translation>
    </message>
</context>
<context>
    <name>IncomingPanel</name>
    <message>
        <source>Call waiting</source>
        <translation>Anklopfen</translation>
    </message>
    <message>
        <source>Hold and answer</source>
        <translation>Halten und annehmen</translation>
    </message>
    <message>
        <source>Put the current call on hold and answer this one</source>
        <translation>Das laufende Gespräch halten und diesen Anruf annehmen</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Eingehender Anruf</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Annehmen</translation>
    </message>
    <message>
        <source>Answer the call</source>
        <translation>Anruf annehmen</translation>
    </message>
    <message>
        <source>End and answer</source>
        <translation>Beenden und annehmen</translation>
    </message>
    <message>
        <source>End the current call and answer this one</source>
        <translation>Das laufende Gespräch beenden und diesen Anruf annehmen</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Abweisen</translation>
    </message>
    <message>
        <source>Reject the call (busy)</source>
        <translation>Anruf abweisen (besetzt)</translation>
    </message>
    <message>
        <source>Unknown caller</source>
        <translation>Unbekannter Anrufer</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{name} ({number}) – Softphone</source>
        <translation>{name} ({number}) – Softphone</translation>
    </message>
    <message>
        <source>{who} – Softphone</source>
        <translation>{who} – Softphone</translation>
    </message>
    <message>
        <source>Softphone</source>
        <translation>Softphone</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Anrufen</translation>
    </message>
    <message>
        <source>Call this number (Enter)</source>
        <translation>Diese Rufnummer anrufen (Eingabetaste)</translation>
    </message>
    <message>
        <source>Keypad</source>
        <translation>Tastenfeld</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Kontakte</translation>
    </message>
    <message>
        <source>Colleagues</source>
        <translation>Kollegen</translation>
    </message>
    <message numerus="yes">
        <source>History (%n missed)</source>
        <translation>
            <numerusform>Verlauf (%n verpasst)</numerusform>
            <numerusform>Verlauf (%n verpasst)</numerusform>
        </translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>&amp;Phone</source>
        <translation>&amp;Telefon</translation>
    </message>
    <message>
        <source>&amp;Account…</source>
        <translation>&amp;Konto…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Find contact</source>
        <translation>Kontakt &amp;suchen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>&amp;Anruf</translation>
    </message>
    <message>
        <source>&amp;Answer</source>
        <translation>A&amp;nnehmen</translation>
    </message>
    <message>
        <source>&amp;Reject</source>
        <translation>Ab&amp;weisen</translation>
    </message>
    <message>
        <source>&amp;Hang up</source>
        <translation>A&amp;uflegen</translation>
    </message>
    <message>
        <source>&amp;Mute / unmute</source>
        <translation>&amp;Stumm ein/aus</translation>
    </message>
    <message>
        <source>H&amp;old / resume</source>
        <translation>&amp;Halten / fortsetzen</translation>
    </message>
    <message>
        <source>&amp;Keypad</source>
        <translation>Tasten&amp;feld</translation>
    </message>
    <message>
        <source>&amp;Transfer…</source>
        <translation>&amp;Weiterverbinden…</translation>
    </message>
    <message>
        <source>&amp;End current call and answer</source>
        <translation>Laufendes Gespräch &amp;beenden und annehmen</translation>
    </message>
    <message>
        <source>S&amp;witch calls</source>
        <translation>&amp;Makeln</translation>
    </message>
    <message>
        <source>Type a number first</source>
        <translation>Bitte zuerst eine Rufnummer eingeben</translation>
    </message>
    <message>
        <source>“{text}” cannot be dialled</source>
        <translation>„{text}“ kann nicht gewählt werden</translation>
    </message>
    <message>
        <source>There is no call to transfer.</source>
        <translation>Es gibt keinen Anruf zum Weiterverbinden.</translation>
    </message>
    <message>
        <source>{who}: {why}</source>
        <translation>{who}: {why}</translation>
    </message>
    <message>
        <source>Quit during a call?</source>
        <translation>Während eines Anrufs beenden?</translation>
    </message>
    <message>
        <source>Quitting hangs up the calls in progress.</source>
        <translation>Beim Beenden werden die laufenden Anrufe aufgelegt.</translation>
    </message>
    <message>
        <source>Hang up and quit</source>
        <translation>Auflegen und beenden</translation>
    </message>
</context>
<context>
    <name>NumberEdit</name>
    <message>
        <source>Number or SIP address</source>
        <translation>Rufnummer oder SIP-Adresse</translation>
    </message>
    <message>
        <source>Only digits, +, * and # can be dialled (or paste a SIP address)</source>
        <translation>Nur Ziffern, +, * und # sind wählbar (oder eine SIP-Adresse einfügen)</translation>
    </message>
</context>
<context>
    <name>ParticipantPanel</name>
    <message>
        <source>talking</source>
        <translation>spricht</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>stumm</translation>
    </message>
    <message>
        <source>Conference room {name}: {count} in the room</source>
        <translation>Konferenzraum {name}: {count} im Raum</translation>
    </message>
    <message>
        <source>locked</source>
        <translation>gesperrt</translation>
    </message>
    <message>
        <source>Unmute me</source>
        <translation>Mich laut schalten</translation>
    </message>
    <message>
        <source>Mute me</source>
        <translation>Mich stumm schalten</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Stumm schalten</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Mute everyone</source>
        <translation>Alle stumm schalten</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Entsperren</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Sperren</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Join conference room</source>
        <translation>Konferenzraum betreten</translation>
    </message>
    <message>
        <source>PIN for “{name}” ({number}), 4 to 10 digits:</source>
        <translation>PIN für „{name}“ ({number}), 4 bis 10 Ziffern:</translation>
    </message>
    <message>
        <source>Remember the PIN for this room</source>
        <translation>PIN für diesen Raum merken</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>System default</source>
        <translation>Systemstandard</translation>
    </message>
    <message>
        <source>{device} (not connected)</source>
        <translation>{device} (nicht angeschlossen)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Audio</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Mikrofon:</translation>
    </message>
    <message>
        <source>S&amp;peaker:</source>
        <translation>&amp;Lautsprecher:</translation>
    </message>
    <message>
        <source>&amp;Ringer:</source>
        <translation>&amp;Klingeln über:</translation>
    </message>
    <message>
        <source>Calls</source>
        <translation>Anrufe</translation>
    </message>
    <message>
        <source>A short double beep in your headset every few seconds, instead of ringing</source>
        <translation>Alle paar Sekunden ein kurzer Doppelton im Headset, statt zu klingeln</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>&amp;Start minimized</source>
        <translation>Minimiert s&amp;tarten</translation>
    </message>
    <message>
        <source>No audio device found: calls connect but you will hear nothing.</source>
        <translation>Kein Audiogerät gefunden: Anrufe werden verbunden, aber Sie hören nichts.</translation>
    </message>
    <message>
        <source>The chosen audio device could not be opened. Choose another one.</source>
        <translation>Das gewählte Audiogerät konnte nicht geöffnet werden. Wählen Sie ein anderes.</translation>
    </message>
    <message>
        <source>Call &amp;waiting</source>
        <translation>&amp;Anklopfen</translation>
    </message>
    <message>
        <source>A second call may ring during a call; when off, callers get busy</source>
        <translation>Ein zweiter Anruf darf während eines Gesprächs klingeln; ausgeschaltet hören Anrufer besetzt</translation>
    </message>
    <message>
        <source>&amp;Knock tone</source>
        <translation>Ankl&amp;opfton</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Allgemein</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>PBX unreachable</source>
        <translation>Telefonanlage nicht erreichbar</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Available</source>
        <translation>Verfügbar</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>Es klingelt</translation>
    </message>
    <message>
        <source>In a call</source>
        <translation>Im Gespräch</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>Nicht stören</translation>
    </message>
    <message>
        <source>PBX unreachable</source>
        <translation>Telefonanlage nicht erreichbar</translation>
    </message>
    <message>
        <source>Softphone – {state}</source>
        <translation>Softphone – {state}</translation>
    </message>
    <message numerus="yes">
        <source>%n missed call(s)</source>
        <translation>
            <numerusform>%n verpasster Anruf</numerusform>
            <numerusform>%n verpasste Anrufe</numerusform>
        </translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Annehmen</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Abweisen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Eingehender Anruf</translation>
    </message>
    <message>
        <source>{caller} is calling – answer or reject from this icon&apos;s menu, or click to open the window</source>
        <translation>{caller} ruft an – im Menü dieses Symbols annehmen oder abweisen, oder klicken, um das Fenster zu öffnen</translation>
    </message>
    <message>
        <source>Answer {caller}</source>
        <translation>{caller} annehmen</translation>
    </message>
    <message>
        <source>Hide window</source>
        <translation>Fenster ausblenden</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>Fenster anzeigen</translation>
    </message>
</context>
<context>
    <name>format</name>
    <message>
        <source>Registered</source>
        <translation>Angemeldet</translation>
    </message>
    <message>
        <source>Registering…</source>
        <translation>Anmeldung läuft…</translation>
    </message>
    <message>
        <source>No account set up</source>
        <translation>Kein Konto eingerichtet</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>Nicht angemeldet</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>keine Antwort</translation>
    </message>
    <message>
        <source>Registration failed: {reason}</source>
        <translation>Anmeldung fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <source>Server not reachable</source>
        <translation>Server nicht erreichbar</translation>
    </message>
    <message>
        <source>retrying in {seconds} s</source>
        <translation>neuer Versuch in {seconds} s</translation>
    </message>
    <message>
        <source>wrong user name or password</source>
        <translation>falscher Benutzername oder falsches Passwort</translation>
    </message>
    <message>
        <source>access denied</source>
        <translation>Zugriff verweigert</translation>
    </message>
    <message>
        <source>number not found</source>
        <translation>Rufnummer nicht gefunden</translation>
    </message>
    <message>
        <source>not available</source>
        <translation>nicht erreichbar</translation>
    </message>
    <message>
        <source>incomplete number</source>
        <translation>unvollständige Rufnummer</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>besetzt</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>no common audio format</source>
        <translation>kein gemeinsames Audioformat</translation>
    </message>
    <message>
        <source>server error</source>
        <translation>Serverfehler</translation>
    </message>
    <message>
        <source>service unavailable</source>
        <translation>Dienst nicht verfügbar</translation>
    </message>
    <message>
        <source>busy everywhere</source>
        <translation>überall besetzt</translation>
    </message>
    <message>
        <source>declined</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>error {code}</source>
        <translation>Fehler {code}</translation>
    </message>
    <message>
        <source>Calling…</source>
        <translation>Wählt…</translation>
    </message>
    <message>
        <source>Ringing…</source>
        <translation>Klingelt…</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Eingehender Anruf</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindet…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>Gehalten</translation>
    </message>
    <message>
        <source>Held by the other party</source>
        <translation>Von der Gegenseite gehalten</translation>
    </message>
    <message>
        <source>Call ended</source>
        <translation>Anruf beendet</translation>
    </message>
    <message>
        <source>Call ended: {reason}</source>
        <translation>Anruf beendet: {reason}</translation>
    </message>
    <message>
        <source>Call ended: the PBX is unreachable</source>
        <translation>Anruf beendet: Telefonanlage nicht erreichbar</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Starting the phone engine…</source>
        <translation>Telefonie-Dienst startet…</translation>
    </message>
    <message>
        <source>Phone engine running</source>
        <translation>Telefonie-Dienst läuft</translation>
    </message>
    <message>
        <source>The phone engine stopped unexpectedly – restarting</source>
        <translation>Der Telefonie-Dienst wurde unerwartet beendet – Neustart</translation>
    </message>
    <message>
        <source>Restarting the phone engine…</source>
        <translation>Telefonie-Dienst wird neu gestartet…</translation>
    </message>
    <message>
        <source>Phone engine stopped</source>
        <translation>Telefonie-Dienst beendet</translation>
    </message>
    <message>
        <source>The phone engine did not understand the request</source>
        <translation>Der Telefonie-Dienst hat die Anfrage nicht verstanden</translation>
    </message>
    <message>
        <source>No account is set up – add one under Phone › Account</source>
        <translation>Kein Konto eingerichtet – unter Telefon › Konto anlegen</translation>
    </message>
    <message>
        <source>That call no longer exists</source>
        <translation>Dieser Anruf besteht nicht mehr</translation>
    </message>
    <message>
        <source>This number cannot be dialled</source>
        <translation>Diese Rufnummer kann nicht gewählt werden</translation>
    </message>
    <message>
        <source>Not possible in the call&apos;s current state</source>
        <translation>Im aktuellen Zustand des Anrufs nicht möglich</translation>
    </message>
    <message>
        <source>The audio device could not be opened</source>
        <translation>Das Audiogerät konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Cannot connect to the network (SIP transport)</source>
        <translation>Keine Verbindung zum Netzwerk (SIP-Transport)</translation>
    </message>
    <message>
        <source>Internal error in the phone engine</source>
        <translation>Interner Fehler im Telefonie-Dienst</translation>
    </message>
    <message>
        <source>The phone engine is not running yet – try again in a moment</source>
        <translation>Der Telefonie-Dienst läuft noch nicht – bitte gleich noch einmal versuchen</translation>
    </message>
    <message>
        <source>Request failed: {code}</source>
        <translation>Anfrage fehlgeschlagen: {code}</translation>
    </message>
    <message>
        <source>No audio device – calls will have no sound</source>
        <translation>Kein Audiogerät – Anrufe haben keinen Ton</translation>
    </message>
    <message>
        <source>The chosen audio device could not be opened</source>
        <translation>Das gewählte Audiogerät konnte nicht geöffnet werden</translation>
    </message>
</context>
<context>
    <name>i18n</name>
    <message>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
</context>
</TS>
