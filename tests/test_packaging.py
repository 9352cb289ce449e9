"""`pip install .` works away from the source tree: a wheel built from the files a clean clone
has (no compiled .mo), installed into a fresh virtualenv, runs `bieb-bot migrate`, `ask`,
`run` and `run --webhook` with its health check from an unrelated folder.

Fast and offline: the wheel is built with the test environment's setuptools, and the fresh
virtualenv gets the dependencies through a .pth line naming the test environment's
site-packages. Such a line only adds the folder to sys.path (the .pth files inside it are not
run), so the editable install of the source tree cannot shadow the wheel; the test checks that
`bot` really is imported from the new virtualenv.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sandbox.fakebot import FakeBotApi, FakeUser
from tests.harness import wait_until

ROOT = Path(__file__).resolve().parent.parent
SCRUBBED = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DATABASE_URL", "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_API_URL", "LIBRARY_FACTS_PATH", "WEBHOOK_URL", "WEBHOOK_SECRET",
            "WEBHOOK_LISTEN", "WEBHOOK_PORT", "HEALTH_PORT", "CONSULTANT_IDS")
SECRET = "a-webhook-secret-for-tests-0123456789"


class Installed:
    def __init__(self, venv: Path, wheel: Path, elsewhere: Path) -> None:
        self.venv = venv
        self.wheel = wheel
        self.elsewhere = elsewhere  # an unrelated working directory
        self.python = venv / "bin" / "python"
        self.script = venv / "bin" / "bieb-bot"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(extra)
        return env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.script), *args], cwd=self.elsewhere, env=self.env(**env),
                              capture_output=True, text=True, timeout=60, check=False)


def clean_clone(target: Path) -> None:
    """The files a clean clone would have (tracked and new, nothing ignored: no .mo, no
    .venv, no egg-info), copied so the build writes nothing into the source tree."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files a clean clone has")
    base = tmp_path_factory.mktemp("packaging")
    source, dist, venv, elsewhere = (base / n for n in ("src", "dist", "venv", "elsewhere"))
    for folder in (source, dist, elsewhere):
        folder.mkdir()
    started = time.monotonic()
    clean_clone(source)
    quiet = {"capture_output": True, "text": True, "timeout": 180}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "-w", str(dist), str(source)],
                   check=True, **quiet)
    (wheel,) = dist.glob("bieb_verwijsbot-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   **quiet)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, **quiet)
    # Only now the dependencies: the test environment's site-packages, after the venv's own.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, **quiet).stdout.strip()
    (Path(site) / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    print(f"\nwheel built and installed in {time.monotonic() - started:.1f}s")
    return Installed(venv, wheel, elsewhere)


def test_the_wheel_holds_code_catalogs_keywords_questions_facts_and_migrations(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for expected in ("bot/cli.py", "bot/health.py", "handlers/__init__.py",
                     "locales/messages.pot", "locales/nl/LC_MESSAGES/messages.po",
                     "locales/en/LC_MESSAGES/staff.po", "locales/ar/keywords.toml",
                     "locales/ti/questions.toml",
                     "facts/dalfsen.toml", "storage/migrations/env.py",
                     "storage/migrations/script.py.mako"):
        assert expected in names, expected
    assert any(n.startswith("storage/migrations/versions/") and n.endswith(".py") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    assert not any(n.endswith(".mo") for n in names), "a clean clone has no compiled catalogs"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "bieb-bot = bot.cli:main" in zipfile.ZipFile(installed.wheel).read(entry_points).decode()


def test_the_bot_is_imported_from_the_new_virtualenv(installed):
    result = subprocess.run(
        [str(installed.python), "-c", "import bot, bot.cli, facts, locales, storage.migrations\n"
         "from bot.config import DEFAULT_FACTS_PATH\nfrom bot.i18n import LOCALES_DIR\n"
         "for f in (bot.__file__, facts.__file__, locales.__file__, storage.migrations.__file__,"
         " DEFAULT_FACTS_PATH, LOCALES_DIR): print(f)"],
        cwd=installed.elsewhere, env=installed.env(), capture_output=True, text=True, check=True)
    paths = result.stdout.split()
    assert len(paths) == 6
    for path in paths:
        assert Path(path).resolve().is_relative_to(installed.venv.resolve()), path
        assert not Path(path).resolve().is_relative_to(ROOT), path


def test_migrate_and_ask_from_an_unrelated_folder(installed):
    database = installed.elsewhere / "db" / "bot.sqlite3"
    result = installed.run("migrate", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date" and database.exists()
    # keywords, catalogs (compiled in memory: the wheel has no .mo) and facts from the package
    result = installed.run("ask", "--lang", "nl", "Hoe laat is de bieb open vandaag?")
    assert result.returncode == 0, result.stderr
    topic, *answer = result.stdout.splitlines()
    assert topic == "library"
    assert "Bibliotheek Dalfsen" in "\n".join(answer)
    result = installed.run("ask", "--lang", "ar", "متى تفتح المكتبة؟")
    assert result.stdout.splitlines()[0] == "library"
    # The default database is relative to the working folder, not inside the package.
    assert installed.run("migrate").returncode == 0
    assert (installed.elsewhere / "data" / "bot.sqlite3").exists()


async def start(installed: Installed, *args: str, **env: str) -> asyncio.subprocess.Process:
    log = (installed.elsewhere / "bot.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            str(installed.script), "run", *args, cwd=installed.elsewhere,
            env=installed.env(**env), stdout=asyncio.subprocess.DEVNULL, stderr=log)
    finally:
        log.close()


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_run_answers_start(installed, fake_api, tmp_path):
    process = await start(installed, TELEGRAM_BOT_TOKEN=fake_api.token,
                          TELEGRAM_API_URL=fake_api.api_url,
                          DATABASE_URL=f"sqlite:///{tmp_path}/run.sqlite3", REMINDERS="off")
    try:
        await wait_until(lambda: fake_api.calls_to("getUpdates"), timeout=30)
        user = FakeUser(fake_api, 31337, "Ayşe", "tr")
        await user.send("/start")
        await wait_until(lambda: user.inbox, timeout=15)
        assert "Hoş geldiniz" in user.last_text
    finally:
        await stop(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def health_command(installed: Installed, health_port: int) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(installed.script), "health", cwd=installed.elsewhere,
        env=installed.env(WEBHOOK_LISTEN="127.0.0.1", HEALTH_PORT=str(health_port)),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, (out + err).decode()


async def test_webhook_mode_answers_and_reports_its_health(installed, tmp_path):
    fake_api = FakeBotApi()
    await fake_api.start()
    port, health_port = free_port(), free_port()
    process = await start(
        installed, "--webhook", TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_API_URL=fake_api.api_url, DATABASE_URL=f"sqlite:///{tmp_path}/hook.sqlite3",
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET, HEALTH_PORT=str(health_port),
        REMINDERS="off")
    try:
        await wait_until(lambda: fake_api.webhook is not None, timeout=30)
        user = FakeUser(fake_api, 4242, "Amal", "ar")
        await user.send("/start")
        await wait_until(lambda: user.inbox, timeout=15)
        assert "مرحبا" in user.last_text
        code, answer = await health_command(installed, health_port)
        assert code == 0 and '"status": "ok"' in answer, answer
        await fake_api.stop()  # Telegram gone: unhealthy once the kept answer is older
        for _ in range(40):
            code, answer = await health_command(installed, health_port)
            if code != 0:
                break
            await asyncio.sleep(0.5)
        assert code == 1 and '"telegram": "failed' in answer, answer
        assert '"database": "ok"' in answer
    finally:
        await stop(process)
        await fake_api.stop()
    code, answer = await health_command(installed, health_port)
    assert code == 1 and "no answer at" in answer


def locked(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            package, version = line.split(" ")[0].split("==")
            pins[canonicalize_name(package)] = version
    return pins


def test_the_locks_pin_everything_pyproject_asks_for():
    """Fails when a dependency was added or changed in pyproject.toml without `make lock`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    wanted = [(Requirement(r), (runtime, dev)) for r in project["dependencies"]]
    wanted += [(Requirement(r), (dev,)) for r in project["optional-dependencies"]["dev"]]
    for requirement, locks in wanted:
        for pins in locks:
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{name} is not in the lock: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{name}=={pins[name]} does not fit {requirement}: run `make lock`")
    # The image runs exactly the versions the tests ran.
    assert all(dev.get(name) == version for name, version in runtime.items())
