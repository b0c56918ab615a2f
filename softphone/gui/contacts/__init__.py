"""The contacts tab: PBX directory with presence and favorites, or local contacts."""
