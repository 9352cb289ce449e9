"""Speech synthesis: an answer's text spoken by espeak-ng, as a Telegram voice (OGG/Opus).

espeak-ng comes with the PyPI package `espeakng-loader` (the library and its data, no system
package), loaded here with ctypes in synchronous mode: a callback collects the 16-bit PCM at
espeak-ng's 22,050 Hz, numpy resamples it to 24 kHz (Opus takes 8, 12, 16, 24 or 48 kHz only)
and libsndfile, inside `soundfile`, writes OGG/Opus. It is CPU work: callers run it in a
thread (`asyncio.to_thread`), outside any database transaction. espeak-ng keeps global state,
so one lock lets one synthesis run at a time.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import logging
import re
import threading
import unicodedata
from functools import cache, lru_cache

import espeakng_loader
import numpy as np
import soundfile

log = logging.getLogger(__name__)

# espeak-ng's voice for each of the parents' languages it speaks. It has no Somali voice.
VOICES: dict[str, str] = {"nl": "nl", "en": "en", "ar": "ar", "tr": "tr", "pl": "pl",
                          "uk": "uk", "ti": "ti", "fa": "fa"}
# Bumped when the voice, speed or encoding changes: every cached synthesis is made anew.
VERSION = "espeak-ng-1"
WORDS_PER_MINUTE = 150  # espeak-ng's default is 175; slower is easier for a learner
# Opus takes 8, 12, 16, 24 or 48 kHz; espeak-ng gives 22,050 Hz with nothing above 11 kHz,
# so 24 kHz loses nothing.
SAMPLE_RATE = 24_000
# libsndfile's Opus bitrate, from 0 (highest) to 1 (lowest). 0.8 is about 57 kbit/s (430 kB
# a minute), encoded twice as fast as at 0.85 and above, where Opus turns to its costlier
# speech modes (a minute of speech: 0.6 s of CPU instead of 1.4 s).
COMPRESSION = 0.8
MAX_CHARACTERS = 3000  # a topic's answer is well under this

# espeak_Initialize: AUDIO_OUTPUT_SYNCHRONOUS; espeak_Synth: POS_CHARACTER, espeakCHARS_UTF8
_SYNCHRONOUS, _POS_CHARACTER, _CHARS_UTF8, _RATE = 2, 1, 1, 1
_EE_OK = 0
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.c_void_p)


class SpeechUnavailable(RuntimeError):
    """espeak-ng could not be loaded, speaks no such language, or made no sound."""


class _Engine:
    """The loaded espeak-ng library; one synthesis at a time."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        self.rate = lib.espeak_Initialize(_SYNCHRONOUS, 0,
                                          espeakng_loader.get_data_path().encode(), 0)
        if self.rate <= 0:
            raise SpeechUnavailable("espeak-ng did not initialise")
        self._lib = lib
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # kept: espeak-ng holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()
        # Looked up once, here: asking later would wait for a synthesis under way.
        self.voices = frozenset(voice for voice in VOICES.values()
                                if lib.espeak_SetVoiceByName(voice.encode()) == _EE_OK)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], samples: int,
                 _events: int | None) -> int:
        if samples > 0:  # the end comes as (NULL, 0)
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(samples,)).copy())
        return 0  # go on

    def pcm(self, text: str, voice: str) -> np.ndarray:
        """The text as 16-bit samples at `self.rate`."""
        with self.lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise SpeechUnavailable(f"espeak-ng has no voice {voice!r}")
            self._lib.espeak_SetParameter(_RATE, WORDS_PER_MINUTE, 0)
            self._chunks = []
            data = text.encode("utf-8") + b"\0"
            if self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8,
                                      None, None) != _EE_OK:
                raise SpeechUnavailable("espeak-ng refused the text")
            chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


@cache
def _engine() -> _Engine | None:
    try:
        return _Engine()
    except (OSError, AttributeError, SpeechUnavailable) as err:
        log.warning("speech synthesis unavailable: %s", type(err).__name__)
        return None


@cache
def speaks(language: str) -> bool:
    """Whether answers in this language can be synthesised here."""
    engine = _engine()
    return language in VOICES and engine is not None and VOICES[language] in engine.voices


# ---- the text as it is spoken ---------------------------------------------------------------
_KEEP = {"\u200c"}  # the zero-width non-joiner is part of Persian spelling
_DROP = {"So", "Sk", "Cs", "Co", "Cn", "Cf", "Me"}  # emoji, modifiers, invisible marks
_VARIATION = re.compile("[\ufe00-\ufe0f]")
_FULL_HOUR = re.compile(r"\b(\d{1,2}):00\b")
_SENTENCE_END = (".", "!", "?", ":", ";", "؟", "።", "…")


def _visible(text: str) -> str:
    text = _VARIATION.sub("", text)
    return "".join(c for c in text
                   if c in _KEEP or unicodedata.category(c) not in _DROP)


def clean_text(text: str, time_range: str = "{start} – {end}") -> str:
    """What is read aloud: no emoji or symbols, a full hour as its number ("14:00" would be
    "fourteen zero zero"), a time range with the language's word for it (`time_range`, e.g.
    "{start} to {end}"), and a pause at the end of every line."""
    text = _visible(text)
    text = re.sub(r"(\d{1,2}:\d\d)\s*[–-]\s*(\d{1,2}:\d\d)",
                  lambda m: time_range.format(start=m[1], end=m[2]), text)
    text = _FULL_HOUR.sub(r"\1", text)
    lines = []
    for raw in text.splitlines():
        line = " ".join(raw.replace("•", " ").split())
        if line:
            lines.append(line if line.endswith(_SENTENCE_END) else line + ".")
    return "\n".join(lines)


def text_hash(text: str, language: str) -> str:
    return hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()


def synthesis_key(text: str, language: str) -> str:
    """What a synthesis is kept under: the spoken text, its language and the voice."""
    return text_hash(f"{VERSION}\n{text}", language)


# ---- synthesis ------------------------------------------------------------------------------
def _resample(pcm: np.ndarray, rate: int) -> np.ndarray:
    """16-bit samples at `rate` as floats at SAMPLE_RATE (linear interpolation)."""
    count = round(len(pcm) * SAMPLE_RATE / rate)
    positions = np.arange(count, dtype=np.float64) * (rate / SAMPLE_RATE)
    resampled = np.interp(positions, np.arange(len(pcm)), pcm.astype(np.float32))
    return (resampled / 32768.0).astype(np.float32)


@lru_cache(maxsize=16)
def synthesize(text: str, language: str) -> bytes:
    """The text (already `clean_text`) spoken in the language, as OGG/Opus bytes. Kept for
    a while: a retried send does not synthesise again."""
    engine = _engine()
    if engine is None or language not in VOICES:
        raise SpeechUnavailable(f"no speech for {language!r}")
    pcm = engine.pcm(text[:MAX_CHARACTERS], VOICES[language])
    if not len(pcm):
        raise SpeechUnavailable("espeak-ng made no sound")
    buffer = io.BytesIO()
    soundfile.write(buffer, _resample(pcm, engine.rate), SAMPLE_RATE, format="OGG",
                    subtype="OPUS", compression_level=COMPRESSION)
    return buffer.getvalue()
