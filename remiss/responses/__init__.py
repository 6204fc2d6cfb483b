"""Answering a consultation: the representatives' side, and registration on behalf."""
