"""One training engine for every network, and the server-wide queue it runs in."""
