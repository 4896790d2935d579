"""Work that spans models: typed, keyword-only functions named <thing>_<action>."""
