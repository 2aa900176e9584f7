#!/usr/bin/env python3
"""Write the benchmark's images as an OCI image layout: make-images.py DIR [one]

  big-1     4 layers of 50 MiB random data each (a one-file tar, gzip-wrapped with stored deflate blocks so that
            building it costs no compression time and skopeo pushes it as is): a 200 MiB image.
  big2-1    the same shape with other random data: a second cold image for a server that has served one already.
  blob1m-1  one layer whose blob is exactly 1 MiB (1048576 bytes), for the blob GET figure.
  one-1     with the argument "one", only this: one layer of 200 MiB (bench/cold/concurrency.sh pulls its blob).

Deterministic (seeded random, zero mtimes), so every run pushes the same digests."""
import hashlib
import json
import os
import random
import struct
import sys
import tarfile
import zlib

MIB = 1024 * 1024
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def tar_of(name, data):
    """A ustar archive holding one file: header, data padded to 512, two zero blocks (no record padding)."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT) + data + b"\0" * (-len(data) % 512) + b"\0" * 1024


def gzip_stored(raw, comment=b""):
    """A gzip member with stored (level 0) deflate blocks and an optional comment field (used as padding)."""
    flags = 0x10 if comment else 0
    head = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0" + b"\0\xff" + (comment + b"\0" if comment else b"")
    c = zlib.compressobj(0, zlib.DEFLATED, -15)
    body = c.compress(raw) + c.flush()
    return head + body + struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF)


class Layout:
    def __init__(self, root):
        self.root, self.refs = root, []
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def blob(self, data, media_type):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.root, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": "sha256:" + d, "size": len(data)}

    def image(self, ref, layers):
        """layers: list of (gzip blob, uncompressed tar digest)."""
        descs = [self.blob(blob, LAYER) for blob, _ in layers]
        config = {"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": [diff for _, diff in layers]}}
        cdesc = self.blob(json.dumps(config, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": cdesc, "layers": descs}
        mdesc = self.blob(json.dumps(manifest, sort_keys=True).encode(), manifest["mediaType"])
        mdesc["annotations"] = {"org.opencontainers.image.ref.name": ref}
        self.refs.append(mdesc)
        return mdesc

    def close(self):
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": self.refs}, f)


def layer(rng, name, size, comment=b""):
    raw = tar_of(name, rng.randbytes(size))
    return gzip_stored(raw, comment), "sha256:" + hashlib.sha256(raw).hexdigest()


def exact_mib_layer(rng):
    """A layer blob of exactly 1 MiB: a tar of random data a little under 1 MiB, the gap filled by the gzip comment."""
    size = MIB - 4096
    probe, _ = layer(random.Random(0), "blob", size)
    gap = MIB - len(probe)
    assert gap >= 2, gap
    blob, diff = layer(rng, "blob", size, b"p" * (gap - 1))
    assert len(blob) == MIB, len(blob)
    return blob, diff


def main():
    out = sys.argv[1]
    lay = Layout(out)
    if sys.argv[2:] == ["one"]:
        one = lay.image("one-1", [layer(random.Random(20261206), "layer.bin", 200 * MIB)])
        lay.close()
        with open(os.path.join(out, "blobs", "sha256", one["digest"][7:])) as f:
            blob = json.load(f)["layers"][0]
        print("one-1 %s, layer %s (%d bytes)" % (one["digest"], blob["digest"], blob["size"]))
        return
    rng = random.Random(20261121)
    big = lay.image("big-1", [layer(rng, "layer%d.bin" % i, 50 * MIB) for i in range(4)])
    rng2 = random.Random(20261122)  # its own stream, so that adding it changed no other digest
    lay.image("big2-1", [layer(rng2, "layer%d.bin" % i, 50 * MIB) for i in range(4)])
    small = lay.image("blob1m-1", [exact_mib_layer(rng)])
    lay.close()
    with open(os.path.join(out, "blobs", "sha256", big["digest"][7:])) as f:
        total = sum(l["size"] for l in json.load(f)["layers"])
    print("big-1 %s (%d layer bytes)" % (big["digest"], total))
    print("blob1m-1 %s" % small["digest"])


if __name__ == "__main__":
    main()
