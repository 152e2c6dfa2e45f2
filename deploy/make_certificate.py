"""A self-signed certificate for nginx when deploy/tls/ holds none (docker-compose.yml's "certificate" service):
enough to try the stack at https://localhost. In production put the real certificate chain and key there as
fullchain.pem and privkey.pem (they are never replaced). Run with the application's image (it has cryptography)."""

import datetime
import ipaddress
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main(folder: str, site: str) -> int:
    target = Path(folder)
    chain, key_file = target / "fullchain.pem", target / "privkey.pem"
    if chain.exists() and key_file.exists():
        print(f"{chain} is there: kept.")
        return 0
    target.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, site)])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName(site)]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(site)))
    except ValueError:
        names.append(x509.DNSName("localhost"))
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=365))
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .sign(key, hashes.SHA256()))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_file, 0o600)
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    print(f"A self-signed certificate for {site} was written to {chain} (replace it with the real one).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tls", sys.argv[2] if len(sys.argv) > 2 else "localhost"))
