"""The portal's electronic seal: every document it stores is signed, and a file can be
checked against it.

`sign_pdf` signs a rendered PDF (PAdES baseline B-B, pyHanko) with the portal's key,
draws the visible seal and records which document the file is: the kind (the model's
label, e.g. ``certificates.certificate``) and the serial go into the document
information dictionary (`INFO_KIND`, `INFO_SERIAL`) in the same incremental update
that the signature covers, so they cannot be changed without breaking it. Every
document is signed on the worker that renders it, inside
`certificates.services.document_render_store`; callers never sign by themselves.

Where the seal goes is each kind of document's own business: its template reserves
the place (an empty element ``id="portal-seal"``, `seal_spot`) and `sign_pdf` reads
it from the rendered file. The annual certificate (and a bundle of them) is stamped
over its issuer and date; elsewhere the seal covers no text: the training
certificate's is centred above its address line, the eligibility statement's sits in
the flow right above the issuer's name (on whichever page that falls), the
title-application document's above the QR code of its summary page
(tests/certificates/test_seal_position.py checks each).

`verify_pdf` answers what a file is: not a PDF, encrypted, unsigned, signed by
another key, signed by the portal and modified since, or signed by the portal and
intact, with the kind and serial it carries. What the registry then says of that
document (revoked, its stored hash) is `certificates.file_verification`'s business.

The key. Production reads the key and its certificate chain from a PKCS#12 file
(SIGNING_PKCS12_PATH, SIGNING_PKCS12_PASSWORD) and refuses to start without them
(portal/settings.py; `check --deploy` also opens it, portal.checks). Elsewhere, when
SIGNING_PKCS12_PATH is not given, a self-signed test key is generated under var/ on
first use (`ensure_test_key`). The key is loaded once per process.

Speed (bench/certificates.py, signed/unsigned). With its defaults pyHanko would
spend more on a signature than WeasyPrint on the certificate: it re-parses the
private key for every signature (RSA key validation alone is ~45 ms), estimates the
signature's size by making a dummy one first, compresses the seal image again and
rebuilds the signing-certificate attribute every time. Here all four are done once
per process (the parsed key and that attribute on the signer, the compressed seal
per issuer, the reserved size from the certificates' sizes): a signature costs a few
per cent of a render.
"""

import asyncio
import concurrent.futures
import contextlib
import datetime
import enum
import functools
import hashlib
import io
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "PortalSeal"
# Keys of the PDF's document information dictionary (written by `sign_pdf`).
INFO_KIND = "/PortalDocumentKind"
INFO_SERIAL = "/PortalDocumentSerial"

SEAL_MM = 40  # the seal's diameter on the page
SEAL_PIXELS = 360  # ~230 dpi at 40 mm: sharp in print, a few KB in the file
SEAL_RED = (200, 28, 28)
# The id of the element a document's template reserves for the seal (`seal_spot`).
SEAL_ANCHOR = "portal-seal"
MM = 72 / 25.4  # PDF points per millimetre

TEST_KEY_NAME = "继续教育平台测试签章密钥"  # X.509 allows 64 bytes of UTF-8


# -- the key -----------------------------------------------------------------------


def generate_test_pkcs12(password: str, *, common_name: str = TEST_KEY_NAME) -> bytes:
    """A PKCS#12 archive (bytes) with a new RSA-2048 key and a self-signed certificate
    for it, valid 20 years, protected by `password`. For `make run` and the tests; a
    test may pass another `common_name` to make "another key"."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=20 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation, which pyHanko asks for
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"portal-test-signing",
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )


# A temporary key file older than this was left by a process killed while writing it.
STALE_TEMPORARY_SECONDS = 600


def ensure_test_key(path: Path | str, password: str) -> None:
    """Create the test key's PKCS#12 file at `path` unless it exists.

    Race-safe: processes starting at the same moment (two xdist workers, a web
    process and a worker) each write a complete file under a temporary name and
    hard-link it into place; the link fails if a file is already there, so the first
    one wins and nobody ever replaces a key that another process may already be
    signing with (os.replace would). Where hard links are not supported (some
    mounts), the key is written straight to `path`, created exclusively (O_EXCL).
    Temporary files that a killed process left behind are removed.
    """
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path.parent)
    content = generate_test_pkcs12(password)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-", suffix=".p12")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process was first: its key is the key
            pass
        except OSError:  # no hard links here
            _create_exclusively(path, content)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _create_exclusively(path: Path, content: bytes) -> None:
    """Write `content` to a new file `path`; nothing when it exists already."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove the .signing-*.p12 files in `folder` older than STALE_TEMPORARY_SECONDS."""
    import time

    for leftover in folder.glob(".signing-*.p12"):
        with contextlib.suppress(OSError):
            if time.time() - leftover.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                leftover.unlink()


@dataclass(frozen=True)
class _Identity:
    """The portal's signing key as loaded once per process (`signing_identity`)."""

    signer: object  # _Signer
    certificate: object  # asn1crypto x509.Certificate, the signing certificate
    chain: tuple  # the other certificates of the PKCS#12 file (asn1crypto)
    fingerprint: str  # SHA-256 of the signing certificate (hex)
    bytes_reserved: int  # room for the signature container, in hex digits


def _signer_class():
    from asn1crypto import cms
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner

    class _BuiltOnce(CMSAttributeProvider):
        """A provider whose attribute is built by the first signature and kept (as
        DER, loaded afresh for each signature) in the signer's `cache`."""

        def __init__(self, provider, cache: dict):
            self.provider = provider
            self.cache = cache
            self.attribute_type = provider.attribute_type

        async def get_attribute(self, dry_run=False):
            if self.attribute_type not in self.cache:
                attribute = await self.provider.get_attribute(dry_run=dry_run)
                self.cache[self.attribute_type] = attribute.dump()
            return cms.CMSAttribute.load(self.cache[self.attribute_type])

    class _Signer(SimpleSigner):
        """SimpleSigner keeping the parsed private key (see the module docstring)."""

        def __init__(self, *, private_key, **kwargs):
            super().__init__(**kwargs)
            self._private_key = private_key
            self._attributes: dict[str, bytes] = {}

        def _signed_attr_providers(self, *args, **kwargs):
            # The signing-certificate-v2 attribute depends on the certificate only:
            # built once (pyHanko builds it, at some cost, for every signature).
            for provider in super()._signed_attr_providers(*args, **kwargs):
                if isinstance(provider, SigningCertificateV2Provider):
                    yield _BuiltOnce(provider, self._attributes)
                else:
                    yield provider

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            digest = get_pyca_cryptography_hash(digest_algorithm)
            key = self._private_key
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), digest)
            if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return _Signer


@functools.lru_cache(maxsize=4)
def _load_identity(path: str, password: str, mtime_ns: int) -> _Identity:
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, certificate, others = pkcs12.load_key_and_certificates(
        Path(path).read_bytes(), password.encode() if password else None
    )
    if key is None or certificate is None:
        raise ValueError(f"{path} holds no private key with its certificate")
    der = serialization.Encoding.DER
    signing_certificate = x509.Certificate.load(certificate.public_bytes(der))
    chain = tuple(x509.Certificate.load(c.public_bytes(der)) for c in others)
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    key_info = keys.PrivateKeyInfo.load(
        key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = _signer_class()(
        private_key=key,
        signing_cert=signing_certificate,
        signing_key=key_info,
        cert_registry=registry,
    )
    # The CMS container holds the certificates, the signed attributes (a few hundred
    # bytes) and the signature; 4 KB covers the rest with room to spare. Hex: x2.
    certificates = sum(len(c.dump()) for c in (signing_certificate, *chain))
    signature = math.ceil(getattr(key, "key_size", 4096) / 8)
    return _Identity(
        signer=signer,
        certificate=signing_certificate,
        chain=chain,
        fingerprint=hashlib.sha256(signing_certificate.dump()).hexdigest(),
        bytes_reserved=2 * (certificates + signature + 4096),
    )


def signing_identity() -> _Identity:
    """The portal's key and certificates, loaded once per process (per file: a test
    that points SIGNING_PKCS12_PATH elsewhere gets that key). Generates the test key
    first where SIGNING_TEST_KEY allows it. Raises OSError or ValueError when the
    file is missing or cannot be opened with the password."""
    path = Path(settings.SIGNING_PKCS12_PATH)
    if settings.SIGNING_TEST_KEY:
        ensure_test_key(path, settings.SIGNING_PKCS12_PASSWORD)
    return _load_identity(str(path), settings.SIGNING_PKCS12_PASSWORD, path.stat().st_mtime_ns)


# -- the seal ----------------------------------------------------------------------


def _seal_font(size: int):
    from PIL import ImageFont

    from portal.pdf import FONT_STACK, font_files

    for family in reversed(FONT_STACK[:2]):  # Noto Sans CJK SC draws more, and bolder
        for path, index in font_files(family):
            return ImageFont.truetype(path, size, index=index)
    return ImageFont.load_default(size)


@functools.lru_cache(maxsize=32)
def seal_image(issuer: str):
    """The seal drawn on a document, as a Pillow image (RGBA, transparent outside).

    SIGNING_SEAL_IMAGE (a PNG, ideally square with a transparent background) when
    set, the same for every document. Otherwise a neutral round seal drawn here: a
    red ring, the issuer's name along its upper arc, a star, and 电子签章 below.
    Cached per issuer (a handful of issuers: the province and self-evaluating units).
    """
    from PIL import Image, ImageDraw

    if settings.SIGNING_SEAL_IMAGE:
        with Image.open(settings.SIGNING_SEAL_IMAGE) as image:
            return image.convert("RGBA")
    size = SEAL_PIXELS
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = (*SEAL_RED, 235)
    centre = size / 2
    ring = size * 0.035
    draw.ellipse(
        (ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=colour, width=int(ring)
    )
    # The star: five points at radius r, inner points at 0.382 r.
    r = size * 0.15
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = math.pi / 5 * i - math.pi / 2
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(points, fill=colour)
    # The name along the upper arc, each character upright towards the rim.
    text = issuer.strip() or "电子签章"
    count = len(text)
    span = min(250.0, 22.0 * count + 30)  # degrees of arc the name takes
    arc = size / 2 - ring * 1.6 - size * 0.07  # radius of the characters' centres
    pitch = arc * math.radians(span) / max(count - 1, 1)  # arc length per character
    glyph = int(min(size * 0.13, pitch * 0.9))
    font = _seal_font(glyph)
    arc = size / 2 - ring * 1.5 - glyph * 0.62  # the characters just inside the ring
    for i, character in enumerate(text):
        angle = -span / 2 + (span * i / (count - 1) if count > 1 else span / 2)
        tile = Image.new("RGBA", (glyph * 2, glyph * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((glyph, glyph), character, font=font, fill=colour, anchor="mm")
        tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = centre + arc * math.sin(math.radians(angle)) - glyph
        y = centre - arc * math.cos(math.radians(angle)) - glyph
        image.alpha_composite(tile, (round(x), round(y)))
    label_font = _seal_font(int(size * 0.085))
    draw.text((centre, size * 0.74), "电子签章", font=label_font, fill=colour, anchor="mm")
    return image


@functools.lru_cache(maxsize=32)
def _seal_streams(issuer: str) -> tuple[int, int, bytes, bytes]:
    """The seal as a PDF image: width, height, and its colour and alpha channels
    Flate-compressed, once per issuer and process (pyHanko would compress them
    again for every document, a fifth of the cost of a signature)."""
    import zlib

    image = seal_image(issuer)
    return (
        image.width,
        image.height,
        zlib.compress(image.convert("RGB").tobytes()),
        zlib.compress(image.getchannel("A").tobytes()),
    )


def _seal_content(issuer: str):
    """A pyHanko PdfImage of the seal whose image objects are made from
    `_seal_streams` (the same objects pyhanko.pdf_utils.images.pil_image writes)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.layout import BoxConstraints

    width, height, colour, alpha = _seal_streams(issuer)

    def image(data: bytes, colour_space: str, **extra):
        return generic.StreamObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Image"),
                generic.pdf_name("/Width"): generic.NumberObject(width),
                generic.pdf_name("/Height"): generic.NumberObject(height),
                generic.pdf_name("/ColorSpace"): generic.pdf_name(colour_space),
                generic.pdf_name("/BitsPerComponent"): generic.NumberObject(8),
                generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode"),
                **extra,
            },
            encoded_data=data,
        )

    class SealImage(PdfImage):
        @property
        def image_ref(self):
            if self._image_ref is None or self._image_ref.get_pdf_handler() is not self.writer:
                mask = self.writer.add_object(image(alpha, "/DeviceGray"))
                self._image_ref = self.writer.add_object(
                    image(colour, "/DeviceRGB", **{generic.pdf_name("/SMask"): mask})
                )
            return self._image_ref

    return SealImage(seal_image(issuer), box=BoxConstraints(width, height))


def default_seal_box(width: float, height: float) -> tuple[float, float, float, float]:
    """Where the seal goes on the first page of a document whose template marks no
    place for it (`seal_spot`), in PDF points (origin bottom left): the lower left
    third of the page."""
    diameter = SEAL_MM * MM
    x = width * 0.30
    y = 16 * MM
    return (x, y, x + diameter, y + diameter)


def _name_tree_get(node, key: str, depth: int = 0):
    """The value of `key` in the PDF name tree `node` (its /Names pairs, or its /Kids),
    or None."""
    if depth > 16:
        return None
    names = node.get("/Names")
    if names is not None:
        for i in range(0, len(names) - 1, 2):
            if str(names[i]) == key:
                return names[i + 1]
    for kid in node.get("/Kids", ()):
        if (found := _name_tree_get(kid.get_object(), key, depth + 1)) is not None:
            return found
    return None


def seal_spot(handler) -> tuple[int, tuple[float, float, float, float]] | None:
    """Where the document's template placed the seal: (page index, (x1, y1, x2, y2) in
    PDF points, origin bottom left), or None when it marks no place.

    A template reserves the seal's place with an empty element ``id="portal-seal"``
    (SEAL_ANCHOR) of SEAL_MM × SEAL_MM: absolutely positioned in a fixed layout, in
    the flow where the text's length varies (the eligibility statement), so that no
    text can ever run under it. WeasyPrint writes every id as a named destination
    holding its page and the element's top-left corner; the first element with the
    id in the document counts. `handler`: a pyHanko reader or incremental writer of
    the rendered PDF.
    """
    try:
        tree = handler.root["/Names"]["/Dests"]
    except KeyError:
        return None
    destination = _name_tree_get(tree, SEAL_ANCHOR)
    if destination is None:
        return None
    destination = destination.get_object()
    if not isinstance(destination, list):  # the dictionary form, {/D [page /XYZ left top zoom]}
        destination = destination.get_object()["/D"]
    try:
        page, fit = destination.raw_get(0), destination[1]
        x, y = float(destination[2]), float(destination[3])
    except (IndexError, TypeError, ValueError):  # not a page position: no place marked
        return None
    if fit != "/XYZ":
        return None
    for index in range(int(handler.root["/Pages"]["/Count"])):
        reference, _resources = handler.find_page_for_modification(index)
        if reference.idnum == getattr(page, "idnum", None):
            diameter = SEAL_MM * MM
            return index, (x, y - diameter, x + diameter, y)
    return None


# -- signing -----------------------------------------------------------------------


def _run(make_coroutine):
    """Run a pyHanko coroutine to completion from synchronous code. In a thread whose
    event loop is running (a Playwright test, an async view), asyncio.run refuses;
    then it runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(lambda: asyncio.run(make_coroutine())).result()


def sign_pdf(
    pdf: bytes,
    *,
    kind: str = "",
    serial: str = "",
    issuer: str = "",
    seal_box: tuple[float, float, float, float] | None = None,
) -> bytes:
    """The signed PDF of `pdf` (bytes in, bytes out; no database, no storage).

    - `kind`, `serial`: which document this is, written into the document information
      dictionary (INFO_KIND, INFO_SERIAL) under the signature; `verify_pdf` reads
      them back and certificates.registry finds the document by them. `kind` is the
      model's label (``app_label.modelname``), `serial` its serial ("" for documents
      that have none, such as a bundle).
    - `issuer`: the name drawn on the seal (`seal_image`).
    - `seal_box`: where the seal goes on the first page, in PDF points (x1, y1, x2,
      y2, origin bottom left). By default where the document's template placed it
      (`seal_spot`: the place each kind of document reserves for it, on whichever
      page that is), else `default_seal_box` on the first page.

    The signature is PAdES baseline B-B (ETSI.CAdES.detached, SHA-256, no timestamp
    or revocation data) in a visible field SIGNATURE_FIELD showing the seal. Raises
    OSError/ValueError when the key cannot be loaded, and pyHanko's errors for a PDF
    it cannot read (the renderer's output always can).
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
    from pyhanko.stamp import StaticStampStyle

    identity = signing_identity()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        info_reference = writer.trailer.raw_get("/Info")
    except KeyError:
        info_reference = None
    if isinstance(info_reference, generic.IndirectObject):
        info = info_reference.get_object()
    else:
        info = generic.DictionaryObject()
        info_reference = writer.set_info(writer.add_object(info))
    info[generic.NameObject(INFO_KIND)] = generic.TextStringObject(kind)
    info[generic.NameObject(INFO_SERIAL)] = generic.TextStringObject(serial)
    writer.mark_update(info_reference)

    seal_page = 0
    if seal_box is None and (spot := seal_spot(writer)) is not None:
        seal_page, seal_box = spot
    if seal_box is None:
        page_reference, _resources = writer.find_page_for_modification(0)
        x1, y1, x2, y2 = (float(v) for v in page_reference.get_object()["/MediaBox"])
        seal_box = default_seal_box(x2 - x1, y2 - y1)
    signer = PdfSigner(
        PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        ),
        signer=identity.signer,
        stamp_style=StaticStampStyle(
            background=_seal_content(issuer), border_width=0, background_opacity=1
        ),
        new_field_spec=fields.SigFieldSpec(
            SIGNATURE_FIELD, on_page=seal_page, box=tuple(round(v, 2) for v in seal_box)
        ),
    )
    output = io.BytesIO()
    _run(
        lambda: signer.async_sign_pdf(writer, bytes_reserved=identity.bytes_reserved, output=output)
    )
    return output.getvalue()


# -- verifying ---------------------------------------------------------------------


class Outcome(enum.Enum):
    """What `verify_pdf` says of a file's signature (before the registry is asked)."""

    NOT_PDF = "not_pdf"  # not a PDF, or one that cannot be read
    ENCRYPTED = "encrypted"  # the portal never encrypts its documents
    UNSIGNED = "unsigned"  # no signature at all
    FOREIGN = "foreign"  # signed, but not with the portal's key (or not a valid signature)
    MODIFIED = "modified"  # the portal's signature, but the file changed since
    INTACT = "intact"  # the portal's signature over the whole file, intact


@dataclass(frozen=True)
class SignatureCheck:
    """What `verify_pdf` found. `kind` and `serial` are read from the revision the
    portal signed, and only when that revision is intact (else they are ""): they
    can be trusted to name a document the portal issued."""

    outcome: Outcome
    kind: str = ""
    serial: str = ""
    signed_at: datetime.datetime | None = None


def _text(value) -> str:
    """A PDF value as text ("" for None)."""
    return str(value) if value is not None else ""


@functools.lru_cache(maxsize=4)
def _previous_certificates(paths: tuple[str, ...]) -> dict[str, object]:
    """{SHA-256 fingerprint (hex): asn1crypto certificate} of the PEM (or DER) files
    at `paths`."""
    from asn1crypto import pem, x509

    found = {}
    for path in paths:
        data = Path(path).read_bytes()
        blobs = [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
        for der in blobs if pem.detect(data) else [data]:
            certificate = x509.Certificate.load(der)
            found[hashlib.sha256(certificate.dump()).hexdigest()] = certificate
    return found


def accepted_certificates() -> dict[str, object]:
    """The certificates a file of the portal may be signed with, by SHA-256
    fingerprint (hex): the current signing certificate and, after a key rotation,
    those of SIGNING_PREVIOUS_CERTIFICATES (PEM files). Raises OSError or ValueError
    when one of those cannot be read."""
    identity = signing_identity()
    previous = _previous_certificates(tuple(settings.SIGNING_PREVIOUS_CERTIFICATES))
    return {**previous, identity.fingerprint: identity.certificate}


def prepare_verification() -> None:
    """Import what `verify_pdf` uses, so that a child process forked to run it
    (certificates.file_verification) starts with it loaded."""
    import pyhanko.pdf_utils.reader
    import pyhanko.sign.validation
    import pyhanko.sign.validation.pdf_embedded  # noqa: F401
    import pyhanko_certvalidator  # noqa: F401


# Fields looked at for the portal's signature: its documents carry one; a file
# declaring thousands (each one costly to pyHanko) is not one of them.
MAX_SIGNATURE_FIELDS = 50


def _portal_signature_field(reader) -> tuple[object | None, bool]:
    """(the filled top-level signature field named SIGNATURE_FIELD of `reader`, or
    None; whether any of the first MAX_SIGNATURE_FIELDS fields is a filled signature
    field). Only the field dictionaries are read, not the signatures: pyHanko's
    `embedded_signatures` would parse every signature of a file that may declare
    hundreds of thousands."""
    try:
        fields = reader.root["/AcroForm"]["/Fields"]
    except (KeyError, TypeError):
        return None, False
    signed = False
    for index, reference in enumerate(fields):
        if index >= MAX_SIGNATURE_FIELDS:
            break
        field = reference.get_object()
        if field.get("/FT") != "/Sig" or "/V" not in field:
            continue
        signed = True
        if _text(field.get("/T")) == SIGNATURE_FIELD:
            return field, True
    return None, signed


def verify_pdf(data: bytes) -> SignatureCheck:
    """Check the signature of the PDF `data` (bytes, read from nothing else; nothing
    is written anywhere).

    Steps: a PDF at all (the header, then pyHanko parses it; any parser failure on
    this untrusted input counts as unreadable); not encrypted; has a signature (else
    UNSIGNED); the field SIGNATURE_FIELD is signed (else FOREIGN; only that field's
    signature is parsed, `_portal_signature_field`) by the portal's certificate
    (compared by SHA-256 with `accepted_certificates`, not by a trust store; else
    FOREIGN); the signature is cryptographically valid — made with the portal's key,
    not merely carrying its public certificate (else FOREIGN) — and intact (else
    MODIFIED, nothing named); it covers the whole file
    (else something was appended after signing: MODIFIED, but naming the document of
    the signed revision); then INTACT with the kind and serial it carries.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if b"%PDF-" not in data[:1024]:
        return SignatureCheck(Outcome.NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return SignatureCheck(Outcome.ENCRYPTED)
        field, signed = _portal_signature_field(reader)
    except Exception as error:  # hostile input: whatever the parser trips over, it is unreadable
        # The error's name only: its message may quote the file, which is not kept.
        logger.info("uploaded PDF could not be parsed (%s)", type(error).__name__)
        return SignatureCheck(Outcome.NOT_PDF)
    if field is None:
        return SignatureCheck(Outcome.FOREIGN if signed else Outcome.UNSIGNED)

    identity = signing_identity()
    accepted = accepted_certificates()
    try:
        ours = EmbeddedPdfSignature(reader, field, SIGNATURE_FIELD)
        fingerprint = hashlib.sha256(ours.signer_cert.dump()).hexdigest()
    except Exception as error:  # a signature whose container cannot be read is nobody's
        logger.info("unreadable signature in an uploaded PDF (%s)", type(error).__name__)
        return SignatureCheck(Outcome.FOREIGN)
    if fingerprint not in accepted:
        return SignatureCheck(Outcome.FOREIGN)

    context = ValidationContext(
        trust_roots=[accepted[fingerprint], *identity.chain], allow_fetching=False
    )
    try:
        status = _run(
            lambda: async_validate_pdf_signature(
                ours, signer_validation_context=context, skip_diff=True
            )
        )
    except Exception as error:  # hostile input again: a signature that cannot be checked
        logger.info("the portal's signature did not validate (%s)", type(error).__name__)
        return SignatureCheck(Outcome.FOREIGN)
    if not status.valid:
        # The container names the portal's certificate, but its signature was not
        # made with the portal's key (a forger can copy the public certificate).
        return SignatureCheck(Outcome.FOREIGN)
    if not status.intact:  # the portal's signature, over bytes that have changed
        return SignatureCheck(Outcome.MODIFIED)
    try:
        info = reader.get_historical_resolver(ours.signed_revision).trailer_view["/Info"]
        kind, serial = _text(info.get(INFO_KIND)), _text(info.get(INFO_SERIAL))
    except (KeyError, AttributeError, TypeError):
        kind, serial = "", ""
    outcome = (
        Outcome.INTACT
        if status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        else Outcome.MODIFIED
    )
    return SignatureCheck(outcome, kind=kind, serial=serial, signed_at=status.signer_reported_dt)
