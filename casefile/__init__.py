"""The client's case file: the pages that show the records of several case apps at once."""
