import pytest

from clue_plugins._io import atomic_path, write_json_atomic


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "model.json"
    write_json_atomic(target, {"version": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("crash while writing")
    assert target.read_text().strip().startswith("{") and '"version": 1' in target.read_text()
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_atomic_writes_get_normal_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "plain.json"
    write_json_atomic(target, {"a": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    target.chmod(0o640)
    write_json_atomic(target, {"a": 2})  # an existing file keeps its permissions
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
