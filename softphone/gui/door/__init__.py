"""The door intercom in the client: door view (live video, open button), its messages,
the door windows of the contacts tab and the detail dialog of a door."""
