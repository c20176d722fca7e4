"""Where benchmark files live: the data folder, the registry of known files, and their origins.

The data folder is ``$CLUE_DATA_DIR`` or, if unset, ``<user cache>/clue-plugins/data``. Layout
inside it mirrors the registry's relative paths (``nb201/...``, ``nb101/...``, ``nb301/...``,
``official/...``). Files with a URL can be downloaded by ``clue-nas data fetch``; the others name
where a user gets them by hand.

Every registered file with a known sha256 is checked when a loader reads it (:func:`checked_sha256`,
:func:`read_verified`): a file whose hash differs is refused with :class:`DataIntegrityError`. A user
who changed a file on purpose opts out with ``CLUE_VERIFY_DATA=0`` or a loader's ``verify=False``.
Files without a known hash (the large official files, files outside the data folder) are not checked;
the loaders parse them without running code from them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from clue_plugins.errors import ConfigError, DataIntegrityError, MissingDataError


@dataclass(frozen=True)
class DataFile:
    """One benchmark file the package can read."""

    path: str  # relative to the data folder
    description: str
    url: str | None = None
    sha256: str | None = None
    how_to_get: str = ""
    official: bool = False  # official original (large, optional) rather than the small shared set


def _gh(repo: str, commit: str, path: str) -> str:
    return f"https://github.com/{repo}/raw/{commit}/{path}"


_NASLIB = "automl/NASLib"
NNI_NB201_DB = "official/nasbench201-b2b60732.db"
_HELP_LATENCY = ("1080ti_1", "1080ti_256", "1080ti_32", "2080ti_1", "2080ti_256", "2080ti_32", "eyeriss", "fpga",
                 "gold_6226", "pixel2", "pixel3", "raspi4", "samsung_a50", "silver_4114", "titan_rtx_1",
                 "titan_rtx_256", "titan_rtx_32", "titanx_1", "titanx_256", "titanx_32")

#: sha256 of the files as published (checked after download and by `clue-nas data verify`).
SHA256: dict[str, str] = {
    "nb101/nasbench_only108_sample30.pkl": "da5c65e005b96780f657e0eef79559ae44cef91ff99916433c9880bf76fa0947",
    "nb101/zc_nasbench101.json": "c34840bc9af68b6ebaa7f052e42c1749a9a737d7243078be2a5548052bc5a0c2",
    "nb201/cifar10_valid_200ep.csv": "1fc89edb42c804223ea2f520a3a65b5e10d8c34bc2d1bbca6bc4b4b38a193827",
    "nb201/cost_and_accuracy.csv": "eb9abea59725a9522379bc278875aa4ee49862b2354827017e5845bc998b8830",
    "nb201/latency/1080ti_1.pt": "4028f52b2c2441da126932e3827ae11a7f76d39818c4374c1b9ab9df236e23f4",
    "nb201/latency/1080ti_256.pt": "435af0ccfab01f5dc55dc9f2e8b90ca37b396b2656e327bba5ee0b6eb9c24464",
    "nb201/latency/1080ti_32.pt": "affce4fcdcf6f28622365995ef2ec018bb07d448add59f80633c0978c393cdea",
    "nb201/latency/2080ti_1.pt": "38cf0e8f698abf8696c69b41a358fe9ddedf5d54cb1ae6f85b04dd8a8f89a1b3",
    "nb201/latency/2080ti_256.pt": "daee655c44c46955d8318ddf0fa39254e70bab1ae723a6abc53d7b7e4e1561ae",
    "nb201/latency/2080ti_32.pt": "ebc603ad325850663fc56c8e0fde52fadea28e585a8405864baa20f986eaf29d",
    "nb201/latency/eyeriss.pt": "6f1dd2f8c0442289a09ab78e63e49bde96489f6d455cc33d5fa5aed37edb5d03",
    "nb201/latency/fpga.pt": "6a0333c1476a3ab039d8c39e5d42ac99efe9e7f3ff521289569013fa84233b28",
    "nb201/latency/gold_6226.pt": "6a00f63d14f67f8007ec04519f638a90aa6ed5357cf5c0e60c391df37f186c99",
    "nb201/latency/hardware_embedding_index.pt": "6ca321dd4af6ca236430c3d9ffd0ed49319335be77dc4fc76ae94b597843f7f6",
    "nb201/latency/pixel2.pt": "051845ddefc2bc138f21e2217f6c7827fe280c78375cbfb4b5bd252a888cb950",
    "nb201/latency/pixel3.pt": "cf1387da12e06b1d4541ce85f3ca4869d551084e09daf4acf024b6e21a80d465",
    "nb201/latency/raspi4.pt": "2fae425c50bcaef7aacc5391244cd0af98bfc7fba689a8741e461cb18192f57c",
    "nb201/latency/samsung_a50.pt": "0872cb4ec8ecc7ea1b3bd8c98dd705f2d0f6e4940f3af833b313e484de39b155",
    "nb201/latency/silver_4114.pt": "0cce9dc9ba62ad81c21275298a88cb0e4534db6474a878f089df0abb13293421",
    "nb201/latency/str_arch2idx.pt": "e1d7b7cc7cf51d7c3cd6f9e726e7395bea87d7ba674e26202fb8633f963aef0d",
    "nb201/latency/titan_rtx_1.pt": "a854dac331e2a37d7dcd6ee1f63d1bc6d73ead3aeb0a86f803f45ea1b294859e",
    "nb201/latency/titan_rtx_256.pt": "cff1fba40b1743d3716cfb74c86ac2463d0682c146f356fa9095ac0d02dfb2a5",
    "nb201/latency/titan_rtx_32.pt": "1258bee5501fe191530b9898a4f55a122ab30beec9c6ea74598c47a0173babed",
    "nb201/latency/titanx_1.pt": "3461cc686263bd0ce4d4cd915bfc2fe067deb139cc68da387741bd6443434cb0",
    "nb201/latency/titanx_256.pt": "04ddb80719515687bd3d722235cd5da821b50bd453a9e580b1e9d321dfb92941",
    "nb201/latency/titanx_32.pt": "9c4ca69131e34451fb1e104caa47efbe12ffec3cc47bf051613674d7af044ff2",
    "nb201/nats_tss_test_accuracy_200ep.csv": "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
    "nb201/zc_nasbench201.json": "5dcbbcd56812a9f62164a376bc7df4082ab3af612082b6d26a845930e6eb8641",
    "nb301/archs_nasbench301.json": "6b68ff99698cfa490cc47001fa5d1664ffc2aac50599ca6cabc79fe87855d4b5",
    "nb301/zc_nasbench301.json": "537e9abd6f0b14fdffdfcb3c07b18a037647b5c80808b3b2cf9a51b1b491aba1",
}

FILES: dict[str, DataFile] = {}


def _add(f: DataFile) -> None:
    if f.sha256 is None and f.path in SHA256:
        f = DataFile(f.path, f.description, f.url, SHA256[f.path], f.how_to_get, f.official)
    FILES[f.path] = f


_add(DataFile("nb201/nats_tss_test_accuracy_200ep.csv", "NB201 200-epoch test accuracy, 3 datasets",
              _gh("v-tao/nats-bench-landscape", "3126803", "nats_bench.csv")))
_add(DataFile("nb201/cost_and_accuracy.csv", "NB201 params, FLOPs, GPU latency, 12/200-epoch accuracy per dataset",
              how_to_get="derived from the MOTE-NAS repository's data/nasbench201_*-10/*.json (one row per arch and "
                         "dataset); copy it from a clue-plugins data bundle or regenerate it from those files"))
_add(DataFile("nb201/cifar10_valid_200ep.csv", "NB201 cifar10-valid split (train on train, 200 epochs)",
              _gh("gabro8a/NAS-Landscapes", "abd5221", "data/accuracy/cifar10_avg.csv")))
_add(DataFile("nb201/zc_nasbench201.json", "NASLib zero-cost proxies + val accuracy for 725 NB201 cells",
              _gh(_NASLIB, "44c8cc23", "naslib/data/zc_nasbench201.json")))
for _dev in _HELP_LATENCY:
    _add(DataFile(f"nb201/latency/{_dev}.pt", f"NB201 latency (ms) on {_dev}, by NB201 index",
                  _gh("HayeonLee/HELP", "45f70eb", f"data/nasbench201/latency/{_dev}.pt")))
for _name, _desc in (("str_arch2idx", "dict NB201 arch string -> NB201 index"),
                     ("hardware_embedding_index", "HELP's 10 reference architectures for device embeddings")):
    _add(DataFile(f"nb201/latency/{_name}.pt", _desc, _gh("HayeonLee/HELP", "45f70eb", f"data/nasbench201/latency/{_name}.pt")))
_add(DataFile("nb101/zc_nasbench101.json", "NASLib zero-cost proxies + val accuracy for 500 NB101 samples",
              _gh(_NASLIB, "44c8cc23", "naslib/data/zc_nasbench101.json")))
_add(DataFile("nb101/nasbench_only108_sample30.pkl", "30 NB101 records in nasbench_only108.pkl format",
              _gh(_NASLIB, "44c8cc23", "tests/assets/nb101_dummy.pkl")))
_add(DataFile("nb301/zc_nasbench301.json", "NASLib zero-cost proxies + surrogate val accuracy for 725 DARTS cells",
              _gh(_NASLIB, "44c8cc23", "naslib/data/zc_nasbench301.json")))
_add(DataFile("nb301/archs_nasbench301.json", "11,221 unlabelled DARTS cells (compact form)",
              _gh(_NASLIB, "8c45f19", "naslib/data/archs/archs_nasbench301.json")))

_NASLIB_DATA = ("NASLib's data instructions (README 'Queryable Benchmarks'): download it and place it here; "
                "these files are large and hosted outside GitHub")
for _ds in ("cifar10", "cifar100", "ImageNet16-120"):
    _add(DataFile(f"official/nb201_{_ds}_full_training.pickle", f"NASLib NB201 full training data ({_ds})",
                  how_to_get=_NASLIB_DATA, official=True))
_add(DataFile("official/nasbench_only108.pkl", "NASLib's pickled NB101 table (423k cells, 108 epochs)",
              how_to_get=_NASLIB_DATA, official=True))
_add(DataFile(NNI_NB201_DB, "NNI's NAS-Bench-201 SQLite database (about 1 GB)",
              "https://nni.blob.core.windows.net/nasbenchmark/nasbench201-b2b60732.db",
              how_to_get="NNI: `nni.nas.benchmark.download_benchmark('nasbench201')` writes it to "
                         "~/.cache/nni/nasbenchmark/; copy or link it here", official=True))


def data_dir() -> Path:
    """The benchmark data folder: ``$CLUE_DATA_DIR`` or ``<user cache>/clue-plugins/data``."""
    env = os.environ.get("CLUE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("clue-plugins")) / "data"


def locate(relpath: str) -> Path:
    """Absolute path of a registered data file, raising :class:`MissingDataError` if absent."""
    path = data_dir() / relpath
    if path.exists():
        return path
    entry = FILES.get(relpath)
    if entry is not None and entry.url:
        how = f"run `clue-nas data fetch` (downloads {entry.url})"
    elif entry is not None:
        how = entry.how_to_get
    else:
        how = "check the path"
    raise MissingDataError(
        f"benchmark file {relpath} not found at {path}. Set CLUE_DATA_DIR to the folder that holds "
        f"nb201/, nb101/, nb301/ or place the file there; to get it: {how}"
    )


#: Environment variable that turns the sha256 check of registered data files off ("0") or on ("1", default).
VERIFY_ENV = "CLUE_VERIFY_DATA"
_OFF, _ON = ("0", "false", "no", "off"), ("", "1", "true", "yes", "on")

#: sha256 per (path, size, mtime, inode) already computed by this process: each file is hashed once.
_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def verify_enabled(verify: bool | None = None) -> bool:
    """Whether to check data files against their known sha256: ``verify`` if given, else ``$CLUE_VERIFY_DATA``."""
    if verify is not None:
        return bool(verify)
    value = os.environ.get(VERIFY_ENV, "1").strip().lower()
    if value in _OFF:
        return False
    if value in _ON:
        return True
    raise ConfigError(f"{VERIFY_ENV}={os.environ[VERIFY_ENV]!r} is not understood; set it to 1 (check benchmark files "
                      f"against their published sha256, the default) or 0 (load your own modified files unchecked)")


def registered_name(path: str | os.PathLike) -> str | None:
    """The registry path (``nb201/...``) of a file inside the data folder, or None for any other file."""
    path = Path(path)
    root = data_dir()
    for p, r in ((path.absolute(), root.absolute()), (path.resolve(), root.resolve())):
        try:
            rel = p.relative_to(r).as_posix()
        except ValueError:
            continue
        if rel in FILES:
            return rel
    return None


def sha256_file(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, computed once per process for an unchanged file."""
    path = Path(path)
    st = path.stat()
    stamp = (str(path.absolute()), st.st_size, st.st_mtime_ns, st.st_ino)
    if stamp not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _DIGESTS[stamp] = h.hexdigest()
    return _DIGESTS[stamp]


def check_sha256(path: str | os.PathLike, actual: str, verify: bool | None = None) -> None:
    """Raise :class:`DataIntegrityError` if ``path`` is a registered file whose sha256 is not ``actual``."""
    enabled = verify_enabled(verify)  # first, so that a misspelt opt-out is reported even for good files
    rel = registered_name(path)
    entry = FILES.get(rel) if rel else None
    if not enabled or entry is None or entry.sha256 is None or actual == entry.sha256:
        return
    if entry.url:
        fix = "run `clue-nas data fetch`, which downloads the published file again in its place"
    else:
        fix = f"replace it with the published file ({entry.how_to_get})"
    raise DataIntegrityError(
        f"benchmark file {rel} at {path} is damaged or not the published version: its sha256 is {actual}, "
        f"expected {entry.sha256}. It was not loaded. Fix: {fix}; `clue-nas data verify` checks every file. "
        f"If you changed this file on purpose, set {VERIFY_ENV}=0 (or pass verify=False) to load it unchecked."
    )


def checked_sha256(path: str | os.PathLike, verify: bool | None = None) -> str:
    """sha256 of ``path`` (one read), after checking it against the registry (see :func:`check_sha256`)."""
    digest = sha256_file(path)
    check_sha256(path, digest, verify)
    return digest


def read_verified(path: str | os.PathLike, verify: bool | None = None) -> bytes:
    """The bytes of ``path``, read once, hashed and checked against the registry before anyone parses them."""
    data = Path(path).read_bytes()
    check_sha256(path, hashlib.sha256(data).hexdigest(), verify)
    return data
