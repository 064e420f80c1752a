"""Qualitative coding: codings made by signed-in coders, blind coding, the coding overview."""
