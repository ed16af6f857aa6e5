"""Spoken calls for displays (under /voice): announcement audio, made once per phrase and kept.

GET /voice/announcement?label=123&counter=3 builds the phrase, makes its audio if it is not
cached yet, and answers with the words and the address of the WAV; GET /voice/<key>.wav then
serves it. Both need a display's or a staff member's token.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..domain.errors import Invalid, NotFound
from ..services import services
from ..voice.cache import KEY, wav_seconds
from ..voice.phrases import PhraseError
from ..web.endpoints import STAFF_ROLES, require

bp = Blueprint("voice", __name__, url_prefix="/voice")
ROLES = ("display", *STAFF_ROLES)


def _counter_number() -> int:
    raw = request.args.get("counter", "")
    if not raw.isdigit():
        raise Invalid(
            "'counter' must be a counter number such as 3.", "invalid_field", field="counter"
        )
    return int(raw)


@bp.get("/announcement")
def describe() -> Response:
    """The words of a call and the address of its audio (made now if need be)."""
    require(ROLES, None)
    voice = services().voice
    try:
        phrase = voice.phrase(request.args.get("label", ""), _counter_number())
    except PhraseError as exc:
        raise Invalid(str(exc), "invalid_field", field=exc.field) from None
    data, cached = voice.audio(phrase)
    return jsonify(
        {
            "key": phrase.key,
            "url": f"/voice/{phrase.key}.wav",
            "text": phrase.text,
            "sentences": [{"language": s.language, "text": s.text} for s in phrase.sentences],
            "seconds": round(wav_seconds(data), 2),
            "cached": cached,
        }
    )


@bp.get("/<key>.wav")
def audio(key: str) -> Response:
    require(ROLES, None)
    data = services().voice.cache.get(key) if KEY.fullmatch(key) else None
    if data is None:
        raise NotFound("No announcement has this key; ask /voice/announcement first.", "not_found")
    response = Response(data, mimetype="audio/wav")
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response
