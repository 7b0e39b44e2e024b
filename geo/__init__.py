"""Offline multilingual geocoder and district boundaries for Xinjiang and Kazakhstan."""
