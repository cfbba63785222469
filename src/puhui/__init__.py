"""Puhui (普惠): an open-source platform for AI-native, pure-online inclusive lending."""

__version__ = "0.1.0"
