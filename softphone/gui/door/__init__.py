"""The door intercom in the client: door view (live video, open button), its messages, the
door's part of the calls list (calls.py) and of the contacts tab (contacts.py: detail
dialog, door windows), and the worker's door requests to the PBX (requests.py)."""
