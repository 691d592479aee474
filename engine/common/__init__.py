"""Shared by every stage: where a value stands, what is wrong, what may leave the program, and the words.

Readers of YAML and JSON text with positions kept and limits checked (`yamlio`, `jsonio`, `limits`),
locations (`locations`), problems (`problems`), masking (`privacy`), files written whole, never over an input
and never with a live formula (`outfiles`), and one answer to each small
question about values (`words`: how a value reads, whether two values are the same, "did you mean").
Imports nothing of the engine.
"""

__all__ = ["jsonio", "limits", "locations", "outfiles", "privacy", "problems", "words", "yamlio"]
