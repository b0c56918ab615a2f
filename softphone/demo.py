"""`make demo`: the product on its embedded demo setup.

Starts the PBX with the demo configuration (resources/demo/pbx.toml) and, when there is a
display, two softphone windows logged in as 100 "Empfang" and 101 "Vertrieb". Without a
display it starts the PBX alone and says how to reach it. Ctrl+C stops everything.
Everything the demo writes stays under data/demo/ in the checkout.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from softphone.common.resources import resource
from softphone.pbx.config import PbxConfig, load_config

CLIENTS = ("100", "101")
DOOR = "150"           # the demo configuration's front door (softphone-doorsim)
DOOR_CALLS = "210"     # ... rings the ring group "Türklingel" (100 and 101)
DEMO_DOOR_URL = "http://127.0.0.1:8090"


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 10.0) -> bool:
    """Whether `proc` accepts TCP connections on 127.0.0.1:`port` within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def prepare_client(config_dir: Path, user: str, password: str, server: str, name: str,
                   api_port: int) -> None:
    """A client config dir already holding the demo account (password in a plaintext file:
    these are public demo credentials, and a demo machine may have no keyring)."""
    from softphone.gui.credentials import CredentialStore
    from softphone.gui.settings import AccountSettings, Settings

    settings = Settings(config_dir / "softphone.ini")
    settings.account = AccountSettings(display_name=name, user=user, server=server,
                                       transport="udp")
    settings.api_port = api_port
    CredentialStore(settings, config_dir / "passwords.json").set_password(
        user, server, password, "file")
    settings.sync()


def write_config(data_dir: Path, door_port: int) -> tuple[Path, PbxConfig]:
    """The demo configuration, with the door's camera and relay on ``door_port``."""
    text = resource("demo", "pbx.toml").read_text(encoding="utf-8")
    text = text.replace(DEMO_DOOR_URL, f"http://127.0.0.1:{door_port}")
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "pbx.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_config(path)


def door_command(config: PbxConfig, server: str, port: int) -> list[str]:
    door = config.extensions[DOOR]
    return [sys.executable, "-m", "softphone.doorsim", "--port", str(port),
            "--sip-server", server, "--sip-user", DOOR, "--sip-password", door.password or "",
            "--call", DOOR_CALLS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="softphone-demo", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    parser.add_argument("--no-clients", action="store_true", help="start the PBX only")
    parser.add_argument("--sip-port", type=int, help="instead of the demo's 5060")
    parser.add_argument("--api-port", type=int, help="instead of the demo's 8080")
    parser.add_argument("--door-port", type=int, default=8090,
                        help="the door simulator's HTTP port (camera, relay, bell)")
    args = parser.parse_args(argv)

    config_path, config = write_config(args.data_dir, args.door_port)
    # Before anything is started or announced: Ctrl+C must always reach the clean stop.
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    port = config.sip.port if args.sip_port is None else args.sip_port
    api_port = config.api.port if args.api_port is None else args.api_port
    server = f"{config.sip.host}:{port}"
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    pbx = subprocess.Popen([sys.executable, "-m", "softphone.pbx.daemon", "--config",
                            str(config_path), "--sip-port", str(port), "--api-port",
                            str(api_port), "--data-dir", str(args.data_dir / "pbx")])
    procs.append(("PBX", pbx))
    time.sleep(1.0)
    if pbx.poll() is not None:
        print(f"The PBX did not start (exit code {pbx.returncode}); its message above says "
              f"why. --sip-port and --api-port choose other ports.", file=sys.stderr)
        return 1

    door_log = args.data_dir / "doorsim.log"
    with door_log.open("ab") as log:    # its JSON event lines, not the demo's console
        door = subprocess.Popen(door_command(config, server, args.door_port), stdout=log,
                                stderr=log)
    procs.append(("door simulator", door))
    if not wait_for_port(args.door_port, door):
        print(f"The door simulator did not start (is port {args.door_port} in use? "
              f"--door-port chooses another).", file=sys.stderr)
    print("\nDemo PBX running: SIP on", server, "(UDP and TCP), realm", config.sip.realm)
    print(f"Client API (directory, presence, favorites): http://{config.api.host}:{api_port}"
          f"/api/v1/openapi.json")
    print("Extensions (user / password):")
    for ext in config.users():
        print(f"  {ext.number}  {ext.display_name:<12} {ext.password}")
    base = f"http://127.0.0.1:{args.door_port}"
    front = config.doors[DOOR]
    ring = config.ring_groups[DOOR_CALLS]
    print(f"Door {DOOR} \"{front.name}\" (simulator, log in {door_log}): camera "
          f"{base}/video.mjpg, snapshot {base}/snapshot.jpg")
    print(f"  Ring the bell: .venv/bin/softphone-doorsim --press-bell --port {args.door_port}"
          f"  (or curl -X POST {base}/bell); it calls {DOOR_CALLS} \"{ring.name}\": "
          f"{' and '.join(ring.members)}")
    print(f"  Open the door: the Open door button (allowed: roles "
          f"{', '.join(front.open_roles)}; extensions {', '.join(front.open_users)}), or the "
          f"keys {front.dtmf_code} during the call")
    for user in CLIENTS:
        ext = config.extensions[user]
        prepare_client(args.data_dir / f"client-{user}", user, ext.password or "", server,
                       ext.display_name, api_port)
    if has_display() and not args.no_clients:
        for user in CLIENTS:
            procs.append((f"softphone {user}", subprocess.Popen(
                [sys.executable, "-m", "softphone.gui.app",
                 "--config-dir", str(args.data_dir / f"client-{user}")])))
        print(f"Two softphone windows are logged in as {' and '.join(CLIENTS)}: "
              f"call one from the other.")
    else:
        print("No display here, so no softphone windows. Register any SIP phone to",
              server, "with one of the accounts above, or on a desktop run:")
        print(f"  .venv/bin/softphone --config-dir {args.data_dir}/client-100")
    print("Ctrl+C stops the demo.\n")

    while not stopping and pbx.poll() is None:
        time.sleep(0.2)
    for _, proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for name, proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop; killing it", file=sys.stderr)
            proc.kill()
    return 0 if stopping else (pbx.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
