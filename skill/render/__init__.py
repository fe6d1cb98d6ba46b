"""The studio: script -> timeline -> tts -> mix -> loudness -> encode -> captions + manifest.

One stage per module: :mod:`.timeline` (SSML to speech segments, silences and bells, and their layout in
time), :mod:`.tts` (engines in worker processes), :mod:`.cache` (content-addressed segments),
:mod:`.sounds` (bells and the ambient bed, made in code), :mod:`.mix`, :mod:`.loudness`, :mod:`.encode`,
:mod:`.captions`, :mod:`.manifest`, :mod:`.plan` (what the library holds), :mod:`.pipeline` (runs it all)
and :mod:`.cli` (``kindness render``). Never imports ask_sdk.
"""
