"""The ground floor: what several of HUSK's apps share; it imports none of them."""
