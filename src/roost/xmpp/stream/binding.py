"""Channel-binding data for SCRAM -PLUS: tls-server-end-point (RFC 5929 §4), from this server's certificate.

The data is the hash of the server's certificate (DER), with the certificate signature's
hash function, except that MD5 and SHA-1 become SHA-256. A certificate signed without a
separate hash (Ed25519, Ed448) has no such binding (RFC 5929 §4.1 leaves it undefined).

tls-exporter (RFC 9266, the one for TLS 1.3) needs the TLS exporter, which Python's ssl
module does not expose (3.11 to 3.13); tls-unique is forbidden with TLS 1.3. So
tls-server-end-point is the only type offered.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

log = logging.getLogger(__name__)
SERVER_END_POINT = "tls-server-end-point"


def server_end_point(cert_file: Path) -> bytes | None:
    """The tls-server-end-point data of the first certificate in the file; None when undefined."""
    try:
        certificate = x509.load_pem_x509_certificates(cert_file.read_bytes())[0]
    except (OSError, ValueError, IndexError):
        log.warning("cannot read %s: no channel binding for SCRAM -PLUS", cert_file)
        return None
    algorithm = certificate.signature_hash_algorithm
    if algorithm is None:
        return None
    if isinstance(algorithm, hashes.MD5 | hashes.SHA1):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate.public_bytes(serialization.Encoding.DER))
    return digest.finalize()
