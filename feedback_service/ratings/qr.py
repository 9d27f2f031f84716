"""Counter QR codes: the poster image a citizen scans, as PNG or SVG.

The code carries `tokens.counter_url(counter)`. Drawing one costs ~10 ms, so
the bytes are cached in Redis; Redis is only a cache here, and an outage means
drawing again, never a failed poster.
"""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

import qrcode
from flask import Response, current_app, request
from PIL import Image
from qrcode.image.svg import SvgPathFillImage
from redis.exceptions import RedisError

from ..extensions import rq_redis
from ..models import Counter
from .tokens import counter_url

log = logging.getLogger(__name__)

MIMETYPES = {"png": "image/png", "svg": "image/svg+xml"}
PNG_SIZE_DEFAULT = 600
PNG_SIZE_MIN = 128
PNG_SIZE_MAX = 2048
# The sizes a PNG is drawn (and cached) at; any other size asked for is drawn at the
# next one up, so a print is never coarser than asked and a counter has at most
# this many cached images, not one per whole number from 128 to 2048.
PNG_SIZES = (128, 256, 384, 512, 600, 768, 1024, 1536, 2048)
# The quiet zone the QR standard asks for; cheap phone scanners miss codes without it.
QUIET_ZONE_MODULES = 4
# Bump when the drawing changes, so Redis and browsers stop serving the old images.
_RENDER_REVISION = 1
# How long a client may reuse a QR image before revalidating it (a 304 when unchanged).
MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class QrImage:
    data: bytes
    mimetype: str
    etag: str


def _qr_code(url: str, **options) -> qrcode.QRCode:
    # M (15% recovery) survives a scuffed or half-glared desk poster while
    # keeping modules large enough for a cheap camera at arm's length.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=QUIET_ZONE_MODULES, **options)
    code.add_data(url)
    code.make(fit=True)
    return code


def png_size(requested: int | None) -> int | None:
    """The size a PNG asked for at `requested` pixels is drawn at: the next of PNG_SIZES."""
    if requested is None:
        return None
    return next((size for size in PNG_SIZES if size >= requested), PNG_SIZES[-1])


def render_png(url: str, size: int) -> bytes:
    """A square PNG of `size` pixels (larger only if the code cannot fit).

    Modules stay whole pixels: the code is drawn at the largest integer module
    size that fits and centred on white, which only widens the quiet zone.
    """
    code = _qr_code(url, box_size=1)
    code.box_size = max(1, size // (code.modules_count + 2 * QUIET_ZONE_MODULES))
    drawn = code.make_image().get_image()
    side = max(size, drawn.width)
    canvas = Image.new("1", (side, side), 1)
    offset = (side - drawn.width) // 2
    canvas.paste(drawn, (offset, offset))
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_matrix(url: str) -> list[list[bool]]:
    """The code's modules, its quiet zone included, row by row (True is dark): what the
    PDF sheets draw, the same code as the PNG and SVG."""
    return _qr_code(url).get_matrix()


def render_svg(url: str) -> bytes:
    """A standalone SVG document on a white background (scales to any print size)."""
    out = io.BytesIO()
    _qr_code(url, image_factory=SvgPathFillImage).make_image().save(out)
    return out.getvalue()


def image_etag(url: str, fmt: str, size: int | None) -> str:
    """A strong validator: the same URL, format and size always draw the same bytes."""
    material = f"{_RENDER_REVISION}\n{url}\n{fmt}\n{size or 0}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def cache_key(counter: Counter, fmt: str, size: int | None) -> str:
    """The Redis key of one image.

    The trailing digest covers the whole encoded URL, so a new PUBLIC_BASE_URL,
    a rotated SECRET_KEY or a bumped `qr_version` each miss the old entry; id and
    version are spelled out so an operator can find a counter's keys.
    """
    digest = image_etag(counter_url(counter), fmt, size)
    return f"qr:{counter.id}:v{counter.qr_version}:{fmt}:{size or 0}:{digest}"


def _draw(url: str, fmt: str, size: int | None) -> bytes:
    if fmt == "png":
        return render_png(url, size or PNG_SIZE_DEFAULT)
    if fmt == "svg":
        return render_svg(url)
    raise ValueError(f"unknown QR format {fmt!r}")


def cached_image(key: str, url: str, fmt: str, size: int | None) -> bytes:
    """The image under `key` in Redis, else drawn and cached there. Redis is only a
    cache: when it is down the image is drawn and served all the same."""
    ttl = current_app.config["QR_CACHE_SECONDS"]
    store = rq_redis()  # bytes in, bytes out
    reachable = ttl > 0
    if reachable:
        try:
            data = store.get(key)
            if data is not None:
                return data
        except RedisError as exc:
            # Don't also try the write: a hung Redis would cost its timeout twice.
            reachable = False
            log.warning("QR cache read failed, drawing instead: %s", exc)
    data = _draw(url, fmt, size)
    if reachable:
        try:
            store.set(key, data, ex=ttl)
        except RedisError as exc:
            log.warning("QR cache write failed: %s", exc)
    return data


def image_response(url: str, fmt: str, size: int | None, key: str, *, shared: bool) -> Response:
    """A QR image over HTTP with its ETag. A revalidation is answered (304) before Redis
    or drawing is touched. `shared`: may public caches keep it (not behind an API key)?"""
    etag = image_etag(url, fmt, size)
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(cached_image(key, url, fmt, size), mimetype=MIMETYPES[fmt])
    response.set_etag(etag)
    if shared:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def counter_qr(counter: Counter, fmt: str, size: int | None = None) -> QrImage:
    """The counter's QR image, from Redis when cached; drawn (and cached) otherwise."""
    url = counter_url(counter)
    size = png_size(size) if fmt == "png" else None
    data = cached_image(cache_key(counter, fmt, size), url, fmt, size)
    return QrImage(data=data, mimetype=MIMETYPES[fmt], etag=image_etag(url, fmt, size))


def inline_svg(counter: Counter) -> str:
    """The SVG as markup to embed in an HTML page (no XML prolog)."""
    document = counter_qr(counter, "svg").data.decode("utf-8")
    start = document.find("<svg")
    return document[start:] if start >= 0 else document
