"""packaging/ and the wheel: what an installed (non-editable) package carries and where.

The wheel is built from a copy of the checkout (no build/ left in the tree), installed into
a fresh virtual environment, and the installed programs are asked where their data is: the
demo configuration, tones, icons and translations under <prefix>/share/softphone, the
desktop entry, icon and AppStream metadata where desktops look. The desktop entry, the
AppStream file and the systemd units go through the validators a distribution uses.
"""

from __future__ import annotations

import configparser
import json
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
# Built once per module (pip wheel takes a few seconds); one worker under --dist loadgroup.
pytestmark = pytest.mark.xdist_group("packaging")

PROGRAMS = {
    "softphone": "softphone.gui.app:main",
    "softphone-engine": "softphone.engine.main:main",
    "softphone-pbx": "softphone.pbx.daemon:main",
    "softphone-doorsim": "softphone.doorsim.main:main",
}
DATA = [
    "share/softphone/demo/pbx.toml",
    "share/softphone/sounds/ring.wav",
    "share/softphone/sounds/knock.wav",
    "share/softphone/prompts/de/enter_pin.wav",
    "share/softphone/prompts/en/enter_pin.wav",
    "share/softphone/icons/softphone.svg",
    "share/softphone/icons/door.svg",
    "share/applications/softphone.desktop",
    "share/icons/hicolor/scalable/apps/softphone.svg",
    "share/metainfo/com.example.softphone.metainfo.xml",
]


def built_translations() -> list[str]:
    """The .qm files scripts/bootstrap.sh built in the checkout (not tracked)."""
    return sorted(f"share/softphone/i18n/{qm.name}" for qm in (ROOT / "i18n").glob("*.qm"))


def run(*cmd: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=90, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import setuptools

    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.fail(f"setuptools {setuptools.__version__} cannot build this project "
                    "(needs >= 77): run scripts/bootstrap.sh test")
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("softphone", "resources", "i18n", "packaging"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    out = base / "dist"
    done = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "-q", "-w", out, src)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("softphone-*.whl")
    return built


@pytest.fixture(scope="module")
def prefix(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh throwaway virtual environment with the wheel installed by that venv's own
    pip (the test environment's pip with --prefix would uninstall the editable install it
    sees as installed, and with it .venv/bin/softphone*). The project's dependencies come
    from the test environment's site-packages (a path entry: the editable install's finder
    there stays inactive, so `softphone` is the installed copy)."""
    venv = tmp_path_factory.mktemp("prefix") / "venv"
    done = run(sys.executable, "-m", "venv", venv)
    assert done.returncode == 0, done.stderr
    done = run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps",
               "--no-compile", "--disable-pip-version-check", wheel)
    assert done.returncode == 0, done.stderr
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv)}))
    assert (site / "softphone").is_dir(), f"not installed into {site}"
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def test_wheel_carries_the_programs_data_and_translations(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser()
        parser.read_string(zf.read(entry_points).decode())
    assert dict(parser["console_scripts"]) == PROGRAMS
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    missing = [p for p in [*DATA, *built_translations()] if p not in data]
    assert not missing, f"not in the wheel: {missing}"
    assert {p for p in data if p.startswith("share/softphone/i18n/")} == set(
        built_translations())
    assert "softphone/py.typed" in names


INSPECT = """
import json, sys
import softphone
from PySide6.QtCore import QTranslator
from softphone.common.resources import resource, resources_dir
from softphone.gui.i18n import i18n_dir
from softphone.pbx.config import load_config
demo = load_config(None)
qms = sorted(p.name for p in i18n_dir().glob("*.qm"))
print(json.dumps({
    "package": softphone.__file__, "resources": str(resources_dir()), "i18n": str(i18n_dir()),
    "ring": resource("sounds", "ring.wav").is_file(),
    "extensions": sorted(demo.extensions), "doors": sorted(demo.doors),
    "loads": {name: QTranslator().load(str(i18n_dir() / name)) for name in qms},
}))
"""


def test_installing_the_wheel_leaves_the_test_environment_alone(prefix: Path) -> None:
    """The throwaway install must not touch the environment the suite runs in: its
    programs stay and `softphone` still imports from the checkout."""
    bindir = Path(sys.executable).parent
    for program in PROGRAMS:
        assert (bindir / program).is_file(), f"{program} gone from {bindir}"
    done = run(sys.executable, "-c", "import softphone; print(softphone.__file__)",
               cwd=prefix)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(ROOT), done.stdout


def test_installed_package_finds_its_data(prefix: Path) -> None:
    for rel in DATA + built_translations():
        assert (prefix / rel).is_file(), f"{rel} not installed under {prefix}"
    for program in PROGRAMS:
        assert (prefix / "bin" / program).is_file(), f"no {program} in {prefix / 'bin'}"
    python = prefix / "bin" / "python"
    done = run(python, "-c", INSPECT, cwd=prefix)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert Path(seen["package"]).is_relative_to(prefix), seen["package"]
    share = prefix / "share" / "softphone"
    assert seen["resources"] == str(share)
    assert seen["ring"] is True
    # softphone-pbx without --config: the demo setup (extensions 100-103, front door 150).
    assert {"100", "101", "102", "103"} <= set(seen["extensions"])
    assert seen["doors"] == ["150"]
    if built_translations():
        assert seen["i18n"] == str(share / "i18n")
        assert seen["loads"] == {Path(p).name: True for p in built_translations()}
    # The installed program validates the installed demo configuration.
    done = run(python, prefix / "bin" / "softphone-pbx", "--check-config",
               share / "demo" / "pbx.toml", cwd=prefix)
    assert done.returncode == 0, done.stdout + done.stderr


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/bootstrap.sh test installs it)")
    return path


def test_desktop_entry_is_valid_and_starts_the_client(prefix: Path) -> None:
    entry = prefix / "share" / "applications" / "softphone.desktop"
    done = run(tool("desktop-file-validate"), entry)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(entry, encoding="utf-8")
    keys = parser["Desktop Entry"]
    assert keys["Exec"] == "softphone"
    assert keys["Categories"] == "Network;Telephony;"
    assert keys["Name[de]"] and keys["GenericName[de]"]
    assert (prefix / "share/icons/hicolor/scalable/apps" / f"{keys['Icon']}.svg").is_file()
    # softphone takes no number to dial on its command line: no tel:/sip: handler (yet).
    assert "MimeType" not in keys


def test_appstream_metadata_is_valid(prefix: Path) -> None:
    meta = prefix / "share" / "metainfo" / "com.example.softphone.metainfo.xml"
    done = run(tool("appstreamcli"), "validate", "--no-net", "--pedantic", meta)
    assert done.returncode == 0, done.stdout + done.stderr
    text = meta.read_text(encoding="utf-8")
    assert '<launchable type="desktop-id">softphone.desktop</launchable>' in text
    for line in text.splitlines():
        if "<image>" in line:
            shot = line.split("<image>")[1].split("</image>")[0].rsplit("/", 1)[1]
            assert (ROOT / "docs" / "screenshots" / shot).is_file(), shot


def unit_keys(path: Path) -> dict[str, list[str]]:
    """Section.Key -> values (systemd allows a key more than once)."""
    keys: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}: bad section line {raw!r}"
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep and section, f"{path.name}: not a key=value line {raw!r}"
        keys.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return keys


HARDENING = {
    "Service.NoNewPrivileges": "yes", "Service.ProtectSystem": "strict",
    "Service.ProtectHome": "yes", "Service.PrivateTmp": "yes", "Service.DynamicUser": "yes",
    "Service.KillSignal": "SIGTERM", "Service.Restart": "on-failure",
}


@pytest.mark.parametrize("unit", ["softphone-pbx.service", "softphone-doorsim.service"])
def test_systemd_unit(unit: str, prefix: Path, tmp_path: Path) -> None:
    path = PACKAGING / unit
    keys = unit_keys(path)
    for key, value in HARDENING.items():
        assert keys.get(key) == [value], f"{unit}: {key}={keys.get(key)}"
    assert "Service.ExecReload" not in keys  # neither program can reload
    # All ports (SIP 5060, API, door 8090) are above 1023: no capabilities at all.
    assert keys["Service.CapabilityBoundingSet"] == [""]
    assert keys["Service.AmbientCapabilities"] == [""]
    families = set(keys["Service.RestrictAddressFamilies"][0].split())
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= families
    (exec_start,) = keys["Service.ExecStart"]
    program, *args = shlex.split(exec_start)
    assert program == unit.removesuffix(".service")
    # The arguments are ones the program accepts.
    if program == "softphone-pbx":
        from softphone.pbx.daemon import build_parser

        parsed = build_parser().parse_args(args)
        assert (parsed.config, parsed.data_dir, parsed.log_format) == (
            Path("/etc/softphone/pbx.toml"), Path("/var/lib/softphone-pbx"), "json")
        assert keys["Service.StateDirectory"] == ["softphone-pbx"]
        # Room for the RTP ports (4 a call), the SIP connection cap and the API's clients.
        from softphone.pbx.config import SecuritySettings

        assert int(keys["Service.LimitNOFILE"][0]) >= 40_000 + 2 * SecuritySettings(
        ).tcp_max_connections
    else:
        from softphone.doorsim.main import parse_args

        parse_args(args)
    # systemd's own check, with ExecStart at the installed program (it must exist).
    verify = tool("systemd-analyze")
    local = tmp_path / unit
    local.write_text(path.read_text().replace(
        f"ExecStart={program} ", f"ExecStart={prefix / 'bin' / program} "))
    done = run(verify, "verify", local)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
