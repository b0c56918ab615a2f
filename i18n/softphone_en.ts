<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AccountDialog</name>
    <message>
        <source>Enter your user name or extension.</source>
        <translation>Enter your user name or extension.</translation>
    </message>
    <message>
        <source>Enter only the user name or extension, without spaces or “@”.</source>
        <translation>Enter only the user name or extension, without spaces or “@”.</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Enter your password.</translation>
    </message>
    <message>
        <source>Enter the server address.</source>
        <translation>Enter the server address.</translation>
    </message>
    <message>
        <source>Enter the server without “sip:”.</source>
        <translation>Enter the server without “sip:”.</translation>
    </message>
    <message>
        <source>This is not a valid host name or IP address.</source>
        <translation>This is not a valid host name or IP address.</translation>
    </message>
    <message>
        <source>The port must be a number from 1 to 65535.</source>
        <translation>The port must be a number from 1 to 65535.</translation>
    </message>
    <message>
        <source>No system keyring is available.</source>
        <translation>No system keyring is available.</translation>
    </message>
    <message>
        <source>The password could not be stored: {error}</source>
        <translation>The password could not be stored: {error}</translation>
    </message>
    <message>
        <source>SIP Account</source>
        <translation>SIP Account</translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation>&amp;Display name:</translation>
    </message>
    <message>
        <source>&amp;User or extension:</source>
        <translation>&amp;User or extension:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Password:</translation>
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
        <translation>Shown to the people you call</translation>
    </message>
    <message>
        <source>e.g. 201</source>
        <translation>e.g. 201</translation>
    </message>
    <message>
        <source>pbx.example.com or pbx.example.com:5060</source>
        <translation>pbx.example.com or pbx.example.com:5060</translation>
    </message>
    <message>
        <source>Password storage</source>
        <translation>Password storage</translation>
    </message>
    <message>
        <source>Save the password in the system keyring</source>
        <translation>Save the password in the system keyring</translation>
    </message>
    <message>
        <source>No system keyring (such as GNOME Keyring or KWallet) is available on this computer, so the password cannot be stored securely.</source>
        <translation>No system keyring (such as GNOME Keyring or KWallet) is available on this computer, so the password cannot be stored securely.</translation>
    </message>
    <message>
        <source>Don&apos;t store the password (ask at each start)</source>
        <translation>Don&apos;t store the password (ask at each start)</translation>
    </message>
    <message>
        <source>Store it in a plaintext file: {path}</source>
        <translation>Store it in a plaintext file: {path}</translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>Mute</source>
        <translation>Mute</translation>
    </message>
    <message>
        <source>Mute your microphone</source>
        <translation>Mute your microphone</translation>
    </message>
    <message>
        <source>Hold or resume the call</source>
        <translation>Hold or resume the call</translation>
    </message>
    <message>
        <source>Keypad</source>
        <translation>Keypad</translation>
    </message>
    <message>
        <source>Send tones (DTMF)</source>
        <translation>Send tones (DTMF)</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>Transfer the call</source>
        <translation>Transfer the call</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Hang up</translation>
    </message>
    <message>
        <source>End the call</source>
        <translation>End the call</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>On hold: click to switch to this call</source>
        <translation>On hold: click to switch to this call</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>{state} · muted</source>
        <translation>{state} · muted</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Unmute</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>Hold</translation>
    </message>
    <message>
        <source>To a number…</source>
        <translation>To a number…</translation>
    </message>
    <message>
        <source>Connect with</source>
        <translation>Connect with</translation>
    </message>
</context>
<context>
    <name>ColleaguePanel</name>
    <message>
        <source>Call</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>Pick up the call</source>
        <translation>Pick up the call</translation>
    </message>
    <message>
        <source>Transfer the current call here</source>
        <translation>Transfer the current call here</translation>
    </message>
    <message>
        <source>Consult, then transfer</source>
        <translation>Consult, then transfer</translation>
    </message>
    <message>
        <source>Mark colleagues as favorites in the contacts to see them here.</source>
        <translation>Mark colleagues as favorites in the contacts to see them here.</translation>
    </message>
</context>
<context>
    <name>ConferenceJoiner</name>
    <message>
        <source>{room}: the conference room is full</source>
        <translation>{room}: the conference room is full</translation>
    </message>
    <message>
        <source>{room}: your number is not admitted to this conference room (or it was withheld)</source>
        <translation>{room}: your number is not admitted to this conference room (or it was withheld)</translation>
    </message>
    <message>
        <source>{room}: the conference room is locked, or too many wrong PINs were tried from your number; try again later</source>
        <translation>{room}: the conference room is locked, or too many wrong PINs were tried from your number; try again later</translation>
    </message>
    <message>
        <source>{room}: the PIN was not accepted</source>
        <translation>{room}: the PIN was not accepted</translation>
    </message>
</context>
<context>
    <name>ContactDialog</name>
    <message>
        <source>Edit contact</source>
        <translation>Edit contact</translation>
    </message>
    <message>
        <source>New contact</source>
        <translation>New contact</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>N&amp;umber:</source>
        <translation>N&amp;umber:</translation>
    </message>
    <message>
        <source>&amp;Department:</source>
        <translation>&amp;Department:</translation>
    </message>
    <message>
        <source>e.g. 100 or +49 30 1234567</source>
        <translation>e.g. 100 or +49 30 1234567</translation>
    </message>
    <message>
        <source>Enter a name.</source>
        <translation>Enter a name.</translation>
    </message>
    <message>
        <source>Enter a number that can be dialled.</source>
        <translation>Enter a number that can be dialled.</translation>
    </message>
</context>
<context>
    <name>ContactsModel</name>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>available</source>
        <translation>available</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>busy</translation>
    </message>
    <message>
        <source>ringing</source>
        <translation>ringing</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>do not disturb</source>
        <translation>do not disturb</translation>
    </message>
    <message>
        <source>with PIN</source>
        <translation>with PIN</translation>
    </message>
    <message>
        <source>listed numbers only</source>
        <translation>listed numbers only</translation>
    </message>
    <message>
        <source>open to everyone</source>
        <translation>open to everyone</translation>
    </message>
    <message>
        <source>Favorites</source>
        <translation>Favorites</translation>
    </message>
    <message>
        <source>No department</source>
        <translation>No department</translation>
    </message>
    <message>
        <source>Personal contacts</source>
        <translation>Personal contacts</translation>
    </message>
    <message>
        <source>Ring groups</source>
        <translation>Ring groups</translation>
    </message>
    <message>
        <source>Conference rooms</source>
        <translation>Conference rooms</translation>
    </message>
    <message>
        <source>Doors</source>
        <translation>Doors</translation>
    </message>
    <message>
        <source>Shared lines</source>
        <translation>Shared lines</translation>
    </message>
    <message>
        <source>door</source>
        <translation>door</translation>
    </message>
    <message>
        <source>conference room</source>
        <translation>conference room</translation>
    </message>
    <message>
        <source>in the room: {0}</source>
        <translation>in the room: {0}</translation>
    </message>
    <message>
        <source>favorite</source>
        <translation>favorite</translation>
    </message>
</context>
<context>
    <name>ContactsView</name>
    <message>
        <source>The PBX did not take the change. Try again later.</source>
        <translation>The PBX did not take the change. Try again later.</translation>
    </message>
    <message>
        <source>Connection to the PBX lost. Reconnecting…</source>
        <translation>Connection to the PBX lost. Reconnecting…</translation>
    </message>
    <message>
        <source>Connecting to the PBX…</source>
        <translation>Connecting to the PBX…</translation>
    </message>
    <message>
        <source>The PBX did not accept your user name or password; showing local contacts.</source>
        <translation>The PBX did not accept your user name or password; showing local contacts.</translation>
    </message>
    <message>
        <source>Favorites can be changed when the PBX is reachable.</source>
        <translation>Favorites can be changed when the PBX is reachable.</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>Remove from favorites</source>
        <translation>Remove from favorites</translation>
    </message>
    <message>
        <source>Add to favorites</source>
        <translation>Add to favorites</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>Details…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Import contacts</source>
        <translation>Import contacts</translation>
    </message>
    <message>
        <source>vCard files (*.vcf *.vcard);;All files (*)</source>
        <translation>vCard files (*.vcf *.vcard);;All files (*)</translation>
    </message>
    <message>
        <source>Cannot read {file}: {error}</source>
        <translation>Cannot read {file}: {error}</translation>
    </message>
    <message numerus="yes">
        <source>%n contact(s) imported.</source>
        <translation>
            <numerusform>%n contact imported.</numerusform>
            <numerusform>%n contacts imported.</numerusform>
        </translation>
    </message>
    <message>
        <source>Search name or number</source>
        <translation>Search name or number</translation>
    </message>
    <message>
        <source>Search contacts</source>
        <translation>Search contacts</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Contacts</translation>
    </message>
    <message>
        <source>More</source>
        <translation>More</translation>
    </message>
    <message>
        <source>New contact…</source>
        <translation>New contact…</translation>
    </message>
    <message>
        <source>Import vCard…</source>
        <translation>Import vCard…</translation>
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
        <translation>Ring group</translation>
    </message>
    <message>
        <source>Conference room</source>
        <translation>Conference room</translation>
    </message>
    <message>
        <source>Door</source>
        <translation>Door</translation>
    </message>
    <message>
        <source>Shared line</source>
        <translation>Shared line</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Number:</source>
        <translation>Number:</translation>
    </message>
    <message>
        <source>Department:</source>
        <translation>Department:</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Kind:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Local contact</source>
        <translation>Local contact</translation>
    </message>
    <message>
        <source>PBX directory</source>
        <translation>PBX directory</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Source:</translation>
    </message>
    <message>
        <source>Favorite:</source>
        <translation>Favorite:</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
</context>
<context>
    <name>DoorContacts</name>
    <message>
        <source>Look at the door</source>
        <translation>Look at the door</translation>
    </message>
</context>
<context>
    <name>DoorDetailsDialog</name>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Extension:</source>
        <translation>Extension:</translation>
    </message>
    <message>
        <source>Department:</source>
        <translation>Department:</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Kind:</translation>
    </message>
    <message>
        <source>Door</source>
        <translation>Door</translation>
    </message>
    <message>
        <source>Door station:</source>
        <translation>Door station:</translation>
    </message>
    <message>
        <source>Door opening allowed:</source>
        <translation>Door opening allowed:</translation>
    </message>
    <message>
        <source>Camera:</source>
        <translation>Camera:</translation>
    </message>
    <message>
        <source>Favorite:</source>
        <translation>Favorite:</translation>
    </message>
    <message>
        <source>Look at the door</source>
        <translation>Look at the door</translation>
    </message>
    <message>
        <source>Favorite</source>
        <translation>Favorite</translation>
    </message>
    <message>
        <source>Add to favorites</source>
        <translation>Add to favorites</translation>
    </message>
    <message>
        <source>Remove from favorites</source>
        <translation>Remove from favorites</translation>
    </message>
</context>
<context>
    <name>DoorMessages</name>
    <message>
        <source>You may not open this door.</source>
        <translation>You may not open this door.</translation>
    </message>
    <message>
        <source>The PBX says: {reason}</source>
        <translation>The PBX says: {reason}</translation>
    </message>
    <message>
        <source>The door does not answer. Try again or use the key code.</source>
        <translation>The door does not answer. Try again or use the key code.</translation>
    </message>
    <message>
        <source>The door refused the PBX&apos;s request to open. Tell your administrator (door credentials).</source>
        <translation>The door refused the PBX&apos;s request to open. Tell your administrator (door credentials).</translation>
    </message>
    <message>
        <source>This door has no door opener connected.</source>
        <translation>This door has no door opener connected.</translation>
    </message>
    <message>
        <source>You opened doors too often in the last minute. Wait a moment, then try again.</source>
        <translation>You opened doors too often in the last minute. Wait a moment, then try again.</translation>
    </message>
    <message>
        <source>The door stays shut: the PBX cannot record who opens it. Tell your administrator (door audit log).</source>
        <translation>The door stays shut: the PBX cannot record who opens it. Tell your administrator (door audit log).</translation>
    </message>
    <message>
        <source>The PBX does not know this door.</source>
        <translation>The PBX does not know this door.</translation>
    </message>
    <message>
        <source>Opening (outcome not recorded)</source>
        <translation>Opening (outcome not recorded)</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>Opened</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>This door has no camera.</source>
        <translation>This door has no camera.</translation>
    </message>
    <message>
        <source>The door&apos;s camera does not answer.</source>
        <translation>The door&apos;s camera does not answer.</translation>
    </message>
    <message>
        <source>The video connection failed.</source>
        <translation>The video connection failed.</translation>
    </message>
    <message>
        <source>The video link was refused.</source>
        <translation>The video link was refused.</translation>
    </message>
    <message>
        <source>No connection to the PBX. Try again in a moment.</source>
        <translation>No connection to the PBX. Try again in a moment.</translation>
    </message>
    <message>
        <source>The PBX did not answer in time. Check the network and try again.</source>
        <translation>The PBX did not answer in time. Check the network and try again.</translation>
    </message>
    <message>
        <source>Too many failed logins for your account: the PBX refuses requests for a while. Try again later.</source>
        <translation>Too many failed logins for your account: the PBX refuses requests for a while. Try again later.</translation>
    </message>
    <message>
        <source>The PBX reported an error ({code}).</source>
        <translation>The PBX reported an error ({code}).</translation>
    </message>
</context>
<context>
    <name>DoorView</name>
    <message>
        <source>The video was interrupted – reconnecting…</source>
        <translation>The video was interrupted – reconnecting…</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Reconnecting…</translation>
    </message>
    <message>
        <source>Connecting to the camera…</source>
        <translation>Connecting to the camera…</translation>
    </message>
    <message>
        <source>Opening the door…</source>
        <translation>Opening the door…</translation>
    </message>
    <message>
        <source>Door opened</source>
        <translation>Door opened</translation>
    </message>
    <message>
        <source>No connection to the PBX.</source>
        <translation>No connection to the PBX.</translation>
    </message>
    <message>
        <source>This door is not in the PBX directory.</source>
        <translation>This door is not in the PBX directory.</translation>
    </message>
    <message>
        <source>Your role may not open this door</source>
        <translation>Your role may not open this door</translation>
    </message>
    <message>
        <source>The PBX has not said whether you may open this door.</source>
        <translation>The PBX has not said whether you may open this door.</translation>
    </message>
    <message>
        <source>Open the door now</source>
        <translation>Open the door now</translation>
    </message>
    <message>
        <source>Open door</source>
        <translation>Open door</translation>
    </message>
    <message>
        <source>Door camera</source>
        <translation>Door camera</translation>
    </message>
</context>
<context>
    <name>DoorWindow</name>
    <message>
        <source>Door: {name}</source>
        <translation>Door: {name}</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>Call the door and talk to whoever is there</source>
        <translation>Call the door and talk to whoever is there</translation>
    </message>
</context>
<context>
    <name>EntryDetails</name>
    <message>
        <source>Call</source>
        <translation>Call</translation>
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
        <translation>Date</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Duration</translation>
    </message>
    <message>
        <source>Missed call</source>
        <translation>Missed call</translation>
    </message>
    <message>
        <source>Rejected call</source>
        <translation>Rejected call</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Incoming call</translation>
    </message>
    <message>
        <source>Outgoing call</source>
        <translation>Outgoing call</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>Answered elsewhere</source>
        <translation>Answered elsewhere</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>Busy</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>Declined</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>No answer</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>Not registered</translation>
    </message>
    <message>
        <source>Unavailable</source>
        <translation>Unavailable</translation>
    </message>
    <message>
        <source>Not reachable</source>
        <translation>Not reachable</translation>
    </message>
    <message>
        <source>Number not found</source>
        <translation>Number not found</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Answered on another device</source>
        <translation>Answered on another device</translation>
    </message>
    <message>
        <source>Answered by {name}</source>
        <translation>Answered by {name}</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>{who}, transferred from {before}</source>
        <translation>{who}, transferred from {before}</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>Missed</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Rejected</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <source>No missed calls.</source>
        <translation>No missed calls.</translation>
    </message>
    <message>
        <source>No calls yet.</source>
        <translation>No calls yet.</translation>
    </message>
    <message>
        <source>Missed only</source>
        <translation>Missed only</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>Call back</translation>
    </message>
    <message>
        <source>Call the selected number</source>
        <translation>Call the selected number</translation>
    </message>
</context>
<context>
    <name>IncomingPanel</name>
    <message>
        <source>Call waiting</source>
        <translation>Call waiting</translation>
    </message>
    <message>
        <source>Hold and answer</source>
        <translation>Hold and answer</translation>
    </message>
    <message>
        <source>Put the current call on hold and answer this one</source>
        <translation>Put the current call on hold and answer this one</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Incoming call</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>Answer the call</source>
        <translation>Answer the call</translation>
    </message>
    <message>
        <source>End and answer</source>
        <translation>End and answer</translation>
    </message>
    <message>
        <source>End the current call and answer this one</source>
        <translation>End the current call and answer this one</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Reject</translation>
    </message>
    <message>
        <source>Reject the call (busy)</source>
        <translation>Reject the call (busy)</translation>
    </message>
    <message>
        <source>Unknown caller</source>
        <translation>Unknown caller</translation>
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
        <translation>Call</translation>
    </message>
    <message>
        <source>Call this number (Enter)</source>
        <translation>Call this number (Enter)</translation>
    </message>
    <message>
        <source>Keypad</source>
        <translation>Keypad</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Contacts</translation>
    </message>
    <message>
        <source>Colleagues</source>
        <translation>Colleagues</translation>
    </message>
    <message numerus="yes">
        <source>History (%n missed)</source>
        <translation>
            <numerusform>History (%n missed)</numerusform>
            <numerusform>History (%n missed)</numerusform>
        </translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>&amp;Phone</source>
        <translation>&amp;Phone</translation>
    </message>
    <message>
        <source>&amp;Account…</source>
        <translation>&amp;Account…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Settings…</translation>
    </message>
    <message>
        <source>&amp;Find contact</source>
        <translation>&amp;Find contact</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>&amp;Call</translation>
    </message>
    <message>
        <source>&amp;Answer</source>
        <translation>&amp;Answer</translation>
    </message>
    <message>
        <source>&amp;Reject</source>
        <translation>&amp;Reject</translation>
    </message>
    <message>
        <source>&amp;Hang up</source>
        <translation>&amp;Hang up</translation>
    </message>
    <message>
        <source>&amp;Mute / unmute</source>
        <translation>&amp;Mute / unmute</translation>
    </message>
    <message>
        <source>H&amp;old / resume</source>
        <translation>H&amp;old / resume</translation>
    </message>
    <message>
        <source>&amp;Keypad</source>
        <translation>&amp;Keypad</translation>
    </message>
    <message>
        <source>&amp;Transfer…</source>
        <translation>&amp;Transfer…</translation>
    </message>
    <message>
        <source>&amp;End current call and answer</source>
        <translation>&amp;End current call and answer</translation>
    </message>
    <message>
        <source>S&amp;witch calls</source>
        <translation>S&amp;witch calls</translation>
    </message>
    <message>
        <source>Type a number first</source>
        <translation>Type a number first</translation>
    </message>
    <message>
        <source>“{text}” cannot be dialled</source>
        <translation>“{text}” cannot be dialled</translation>
    </message>
    <message>
        <source>There is no call to transfer.</source>
        <translation>There is no call to transfer.</translation>
    </message>
    <message>
        <source>{who}: {why}</source>
        <translation>{who}: {why}</translation>
    </message>
    <message>
        <source>Quit during a call?</source>
        <translation>Quit during a call?</translation>
    </message>
    <message>
        <source>Quitting hangs up the calls in progress.</source>
        <translation>Quitting hangs up the calls in progress.</translation>
    </message>
    <message>
        <source>Hang up and quit</source>
        <translation>Hang up and quit</translation>
    </message>
</context>
<context>
    <name>NumberEdit</name>
    <message>
        <source>Number or SIP address</source>
        <translation>Number or SIP address</translation>
    </message>
    <message>
        <source>Only digits, +, * and # can be dialled (or paste a SIP address)</source>
        <translation>Only digits, +, * and # can be dialled (or paste a SIP address)</translation>
    </message>
</context>
<context>
    <name>ParticipantPanel</name>
    <message>
        <source>talking</source>
        <translation>talking</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>muted</translation>
    </message>
    <message>
        <source>Conference room {name}: {count} in the room</source>
        <translation>Conference room {name}: {count} in the room</translation>
    </message>
    <message>
        <source>locked</source>
        <translation>locked</translation>
    </message>
    <message>
        <source>Unmute me</source>
        <translation>Unmute me</translation>
    </message>
    <message>
        <source>Mute me</source>
        <translation>Mute me</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Mute</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Mute everyone</source>
        <translation>Mute everyone</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Lock</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Join conference room</source>
        <translation>Join conference room</translation>
    </message>
    <message>
        <source>PIN for “{name}” ({number}), 4 to 10 digits:</source>
        <translation>PIN for “{name}” ({number}), 4 to 10 digits:</translation>
    </message>
    <message>
        <source>Remember the PIN for this room</source>
        <translation>Remember the PIN for this room</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>System default</source>
        <translation>System default</translation>
    </message>
    <message>
        <source>{device} (not connected)</source>
        <translation>{device} (not connected)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Audio</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Microphone:</translation>
    </message>
    <message>
        <source>S&amp;peaker:</source>
        <translation>S&amp;peaker:</translation>
    </message>
    <message>
        <source>&amp;Ringer:</source>
        <translation>&amp;Ringer:</translation>
    </message>
    <message>
        <source>Calls</source>
        <translation>Calls</translation>
    </message>
    <message>
        <source>A short double beep in your headset every few seconds, instead of ringing</source>
        <translation>A short double beep in your headset every few seconds, instead of ringing</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Language:</translation>
    </message>
    <message>
        <source>&amp;Start minimized</source>
        <translation>&amp;Start minimized</translation>
    </message>
    <message>
        <source>No audio device found: calls connect but you will hear nothing.</source>
        <translation>No audio device found: calls connect but you will hear nothing.</translation>
    </message>
    <message>
        <source>The chosen audio device could not be opened. Choose another one.</source>
        <translation>The chosen audio device could not be opened. Choose another one.</translation>
    </message>
    <message>
        <source>Call &amp;waiting</source>
        <translation>Call &amp;waiting</translation>
    </message>
    <message>
        <source>A second call may ring during a call; when off, callers get busy</source>
        <translation>A second call may ring during a call; when off, callers get busy</translation>
    </message>
    <message>
        <source>&amp;Knock tone</source>
        <translation>&amp;Knock tone</translation>
    </message>
    <message>
        <source>General</source>
        <translation>General</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>PBX unreachable</source>
        <translation>PBX unreachable</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Available</source>
        <translation>Available</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>Ringing</translation>
    </message>
    <message>
        <source>In a call</source>
        <translation>In a call</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>Do not disturb</translation>
    </message>
    <message>
        <source>PBX unreachable</source>
        <translation>PBX unreachable</translation>
    </message>
    <message>
        <source>Softphone – {state}</source>
        <translation>Softphone – {state}</translation>
    </message>
    <message numerus="yes">
        <source>%n missed call(s)</source>
        <translation>
            <numerusform>%n missed call</numerusform>
            <numerusform>%n missed calls</numerusform>
        </translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Reject</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Incoming call</translation>
    </message>
    <message>
        <source>{caller} is calling – answer or reject from this icon&apos;s menu, or click to open the window</source>
        <translation>{caller} is calling – answer or reject from this icon&apos;s menu, or click to open the window</translation>
    </message>
    <message>
        <source>Answer {caller}</source>
        <translation>Answer {caller}</translation>
    </message>
    <message>
        <source>Hide window</source>
        <translation>Hide window</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>Show window</translation>
    </message>
</context>
<context>
    <name>format</name>
    <message>
        <source>Registered</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>Registering…</source>
        <translation>Registering…</translation>
    </message>
    <message>
        <source>No account set up</source>
        <translation>No account set up</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>Not registered</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>no answer</translation>
    </message>
    <message>
        <source>Registration failed: {reason}</source>
        <translation>Registration failed: {reason}</translation>
    </message>
    <message>
        <source>Server not reachable</source>
        <translation>Server not reachable</translation>
    </message>
    <message>
        <source>retrying in {seconds} s</source>
        <translation>retrying in {seconds} s</translation>
    </message>
    <message>
        <source>wrong user name or password</source>
        <translation>wrong user name or password</translation>
    </message>
    <message>
        <source>access denied</source>
        <translation>access denied</translation>
    </message>
    <message>
        <source>number not found</source>
        <translation>number not found</translation>
    </message>
    <message>
        <source>not available</source>
        <translation>not available</translation>
    </message>
    <message>
        <source>incomplete number</source>
        <translation>incomplete number</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>busy</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <source>no common audio format</source>
        <translation>no common audio format</translation>
    </message>
    <message>
        <source>server error</source>
        <translation>server error</translation>
    </message>
    <message>
        <source>service unavailable</source>
        <translation>service unavailable</translation>
    </message>
    <message>
        <source>busy everywhere</source>
        <translation>busy everywhere</translation>
    </message>
    <message>
        <source>declined</source>
        <translation>declined</translation>
    </message>
    <message>
        <source>error {code}</source>
        <translation>error {code}</translation>
    </message>
    <message>
        <source>Calling…</source>
        <translation>Calling…</translation>
    </message>
    <message>
        <source>Ringing…</source>
        <translation>Ringing…</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Incoming call</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Connected</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>On hold</translation>
    </message>
    <message>
        <source>Held by the other party</source>
        <translation>Held by the other party</translation>
    </message>
    <message>
        <source>Call ended</source>
        <translation>Call ended</translation>
    </message>
    <message>
        <source>Call ended: {reason}</source>
        <translation>Call ended: {reason}</translation>
    </message>
    <message>
        <source>Call ended: the PBX is unreachable</source>
        <translation>Call ended: the PBX is unreachable</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>Starting the phone engine…</source>
        <translation>Starting the phone engine…</translation>
    </message>
    <message>
        <source>Phone engine running</source>
        <translation>Phone engine running</translation>
    </message>
    <message>
        <source>The phone engine stopped unexpectedly – restarting</source>
        <translation>The phone engine stopped unexpectedly – restarting</translation>
    </message>
    <message>
        <source>Restarting the phone engine…</source>
        <translation>Restarting the phone engine…</translation>
    </message>
    <message>
        <source>Phone engine stopped</source>
        <translation>Phone engine stopped</translation>
    </message>
    <message>
        <source>The phone engine did not understand the request</source>
        <translation>The phone engine did not understand the request</translation>
    </message>
    <message>
        <source>No account is set up – add one under Phone › Account</source>
        <translation>No account is set up – add one under Phone › Account</translation>
    </message>
    <message>
        <source>That call no longer exists</source>
        <translation>That call no longer exists</translation>
    </message>
    <message>
        <source>This number cannot be dialled</source>
        <translation>This number cannot be dialled</translation>
    </message>
    <message>
        <source>Not possible in the call&apos;s current state</source>
        <translation>Not possible in the call&apos;s current state</translation>
    </message>
    <message>
        <source>The audio device could not be opened</source>
        <translation>The audio device could not be opened</translation>
    </message>
    <message>
        <source>Cannot connect to the network (SIP transport)</source>
        <translation>Cannot connect to the network (SIP transport)</translation>
    </message>
    <message>
        <source>Internal error in the phone engine</source>
        <translation>Internal error in the phone engine</translation>
    </message>
    <message>
        <source>The phone engine is not running yet – try again in a moment</source>
        <translation>The phone engine is not running yet – try again in a moment</translation>
    </message>
    <message>
        <source>Request failed: {code}</source>
        <translation>Request failed: {code}</translation>
    </message>
    <message>
        <source>No audio device – calls will have no sound</source>
        <translation>No audio device – calls will have no sound</translation>
    </message>
    <message>
        <source>The chosen audio device could not be opened</source>
        <translation>The chosen audio device could not be opened</translation>
    </message>
</context>
<context>
    <name>i18n</name>
    <message>
        <source>System language</source>
        <translation>System language</translation>
    </message>
</context>
</TS>
