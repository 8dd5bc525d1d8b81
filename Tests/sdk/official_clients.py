#!/usr/bin/env python3
"""The providers' official Python SDKs, pointed at Splice's passthrough, against `splice demo`.

Starts two `splice demo` processes on free ports (one without client keys, one with a config file of client
keys), then drives:

* huaweicloudsdkmetastudio `MetaStudioClient.confirm_file_upload`, endpoint = the huawei-metastudio route's
  own passthrough port. With dummy AK/SK (the MetaStudio emulator checks the route's real AK/SK signature, so
  success proves Splice re-signed), with AK = client name / SK = client key, and refused with a wrong SK,
  an unknown AK and a client not allowed on the route.
* autorender `multipart_uploads.start` and `.complete`, base_url = http://HOST:PORT/autorender, with a
  dummy key and with a client key (parts are PUT to the presigned URLs, straight to storage); a dummy key is
  refused where client keys are required.
* For the providers without an official Python SDK (SpatialGen, GjirafaTech VP, Tenovos), the plain HTTP
  calls a script makes, with client keys in each provider's own credential slot.

Prints what it does, never a secret; ends with "N passed, N failed"; exits 1 on any failure. Stops the
processes it started, also on Ctrl-C or SIGTERM.

Usage: official_clients.py --splice PATH/TO/splice
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path
from typing import Callable

# Everything here talks to 127.0.0.1: never through a proxy from the environment.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# The AutoRender SDK would read these instead of its arguments.
os.environ.pop("AUTORENDER_API_KEY", None)
os.environ.pop("AUTORENDER_BASE_URL", None)

import httpx  # noqa: E402  (a dependency of the autorender SDK)
import autorender  # noqa: E402
from autorender import Autorender  # noqa: E402
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions import exceptions as huawei_exceptions  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkmetastudio.v1 import (  # noqa: E402
    ConfirmFileUploadRequest,
    ConfirmFileUploadRequestBody,
    MetaStudioClient,
)

# The demo's MetaStudio project (its huawei-metastudio route's defaults.projectId).
PROJECT_ID = "6a6a1f8354f64dd9b9a614def7b59d83"
FILE_ID = "24bad716-87b1-45e5-8912-6102f7693265"
CLIENT_NAME = "sdk-client"
OTHER_CLIENT_NAME = "spatialgen-only"
SDK_PACKAGES = ("huaweicloudsdkcore", "huaweicloudsdkmetastudio", "autorender")
STARTUP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 20.0
# Two parts of AutoRender's 10 MiB part size: the second one short.
UPLOAD_SIZE = 10 * 1024 * 1024 + 4096


def say(text: str) -> None:
    print(text, flush=True)


class Demo:
    """One `splice demo` process on free ports, its output in a log file."""

    def __init__(self, splice: str, name: str, workdir: Path, extra: list[str], env: dict[str, str]):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        say(f"starting {name}: splice demo --port 0 --passthrough-port 0 {' '.join(extra)}".rstrip())
        self.process = subprocess.Popen(
            [splice, "demo", "--host", "127.0.0.1", "--port", "0", "--passthrough-port", "0", *extra],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        self.base = self.huawei_base = ""

    def wait_until_listening(self) -> None:
        self.base, self.huawei_base = self._wait_for_banner()
        say(f"  {self.name}: gateway {self.base}, huawei-metastudio passthrough port {self.huawei_base}")

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _wait_for_banner(self) -> tuple[str, str]:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            text = self.output()
            gateway = re.search(r"the gateway listens on (http://[^,\s]+),", text)
            huawei = re.search(r"Huawei MetaStudio passthrough port: (http://\S+)", text)
            if gateway and huawei:
                return gateway.group(1), huawei.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} before listening:\n{text}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} printed no banner within {STARTUP_TIMEOUT:.0f} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a graceful shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()
        say(f"stopped {self.name} (exit status {self.process.returncode})")


# MARK: Huawei MetaStudio


def metastudio(endpoint: str, ak: str, sk: str) -> MetaStudioClient:
    """The official client, pointed at Splice: `with_endpoint` is the only setting that changes."""
    config = HttpConfig.get_default_config()
    config.timeout = (5, REQUEST_TIMEOUT)
    return (
        MetaStudioClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, PROJECT_ID))
        .with_endpoint(endpoint)
        .with_http_config(config)
        .build()
    )


def confirm_upload(endpoint: str, ak: str, sk: str) -> None:
    response = metastudio(endpoint, ak, sk).confirm_file_upload(
        ConfirmFileUploadRequest(file_id=FILE_ID, body=ConfirmFileUploadRequestBody(state="CREATED"))
    )
    check(response.status_code == 200, f"status {response.status_code}")
    check(bool(response.x_request_id), "the answer has no X-Request-Id")


def confirm_upload_refused(endpoint: str, ak: str, sk: str, status: int) -> None:
    try:
        metastudio(endpoint, ak, sk).confirm_file_upload(
            ConfirmFileUploadRequest(file_id=FILE_ID, body=ConfirmFileUploadRequestBody(state="CREATED"))
        )
    except huawei_exceptions.ClientRequestException as error:
        check(error.status_code == status, f"status {error.status_code}, expected {status}: {error.error_msg}")
        return
    raise AssertionError(f"confirm_file_upload succeeded; expected HTTP {status}")


# MARK: AutoRender


def autorender_client(base: str, key: str) -> Autorender:
    """The official client, pointed at Splice: `base_url` is the only setting that changes."""
    return Autorender(api_key=key, base_url=f"{base}/autorender", max_retries=0, timeout=REQUEST_TIMEOUT)


def autorender_upload(base: str, key: str) -> None:
    client = autorender_client(base, key)
    started = client.multipart_uploads.start(
        file_name="sdk-check.bin",
        format="application/octet-stream",
        size=UPLOAD_SIZE,
        folder="/splice-sdk",
        tags=["splice", "sdk"],
        metadata={"source": "official_clients.py"},
        ttl_seconds=600,
    )
    check(bool(started.session_id), "start answered no session_id")
    expected_parts = math.ceil(UPLOAD_SIZE / started.part_size)
    check(len(started.parts) == expected_parts, f"{len(started.parts)} part URLs for {expected_parts} parts")
    # Parts go straight to storage (the presigned URLs), never through Splice, and without the API key.
    with httpx.Client(timeout=REQUEST_TIMEOUT, trust_env=False) as storage:
        for index, url in enumerate(started.parts):
            size = min(started.part_size, UPLOAD_SIZE - index * started.part_size)
            answer = storage.put(url, content=b"\x5a" * size, headers={"Content-Type": "application/octet-stream"})
            check(answer.status_code == 200, f"part {index + 1}: storage answered {answer.status_code} {answer.text}")
    done = client.multipart_uploads.complete(session_id=started.session_id, uuid=started.uuid)
    record = done.to_dict()
    # The docs answer {success, data:{…}}, the SDK's model is the flat file record: either passes through as is.
    file = record["data"] if isinstance(record.get("data"), dict) else record
    check(bool(file.get("id")), f"complete answered no file id: {record}")
    size = file.get("size", file.get("file_size"))
    check(size == UPLOAD_SIZE, f"complete says the file has {size} bytes, expected {UPLOAD_SIZE}")


def autorender_refused(base: str, key: str) -> None:
    try:
        autorender_client(base, key).multipart_uploads.complete(session_id="sdk-session-refused")
    except autorender.AuthenticationError as error:
        check(error.status_code == 401, f"status {error.status_code}")
        return
    raise AssertionError("complete succeeded; expected HTTP 401")


# MARK: plain HTTP, for the providers without an official Python SDK


def script_calls(base: str, key: str) -> None:
    """What a script does against SpatialGen, VP and Tenovos through Splice, presenting a client key."""
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, trust_env=False) as http:
        spatialgen = http.post(
            "/spatialgen/api/videos/uploads/sess-sdk/files/up-sdk/complete",
            headers={"X-SPATIALGEN-APPKEY": key},
            json={"parts": [{"partNumber": 1, "etag": '"e1"'}, {"partNumber": 2, "etag": '"e2"'}]},
        )
        check(spatialgen.status_code == 200, f"SpatialGen: {spatialgen.status_code} {spatialgen.text}")
        vp = http.put(
            "/gjirafa-vp/api/projects/p1234567/uploads/multipart-complete",
            headers={"Authorization": f"Bearer {key}"},
            json={"requestKey": "rk-sdk", "parts": [{"partNumber": 1, "eTag": "e1"}]},
        )
        check(vp.status_code == 200 and vp.json().get("success") is True, f"VP: {vp.status_code} {vp.text}")
        login = http.post(
            "/tenovos/auth/token",
            headers={"X-API-Key": key},
            json={"username": CLIENT_NAME, "password": key},
        )
        check(login.status_code == 200, f"Tenovos login: {login.status_code}")
        session = login.json()["session"]
        complete = http.post(
            "/tenovos/asset/complete",
            headers={
                "X-API-Key": key,
                "Authorization": session["authorization"],
                "AccessToken": session["accessToken"],
            },
            json={
                "fileId": "file-sdk",
                "uploadId": "up-sdk",
                "filename": "sdk.mov",
                "filesize": 209715200,
                "parts": [{"etag": '"e1"', "partNumber": 1}, {"etag": '"e2"', "partNumber": 2}],
                "action": "complete",
            },
        )
        check(complete.status_code == 200, f"Tenovos complete: {complete.status_code} {complete.text}")


# MARK: running


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class Results:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def run(self, name: str, body: Callable[[], None]) -> None:
        started = time.monotonic()
        try:
            body()
        except Exception as error:  # noqa: BLE001  (every failure is reported, then the next check runs)
            self.failed.append(name)
            say(f"FAIL {name}: {type(error).__name__}: {error}")
            traceback.print_exc(limit=3, file=sys.stdout)
            return
        self.passed += 1
        say(f"ok   {name} ({(time.monotonic() - started) * 1000:.0f} ms)")


def stop_on_signal(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splice", required=True, help="the built splice binary")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_on_signal)

    packages = ", ".join(f"{name} {metadata.version(name)}" for name in SDK_PACKAGES)
    say(f"official clients: {packages}; against {arguments.splice}")
    results = Results()
    demos: list[Demo] = []
    workdir = Path(tempfile.mkdtemp(prefix="splice-sdk-"))
    try:
        client_key = secrets.token_urlsafe(24)
        other_key = secrets.token_urlsafe(24)
        config = workdir / "splice.yaml"
        config.write_text(
            "clients:\n"
            f"  - name: {CLIENT_NAME}\n    key: ${{SPLICE_SDK_CLIENT_KEY}}\n"
            f"  - name: {OTHER_CLIENT_NAME}\n    key: ${{SPLICE_SDK_OTHER_KEY}}\n    routes: [spatialgen]\n",
            encoding="utf-8",
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("SPLICE_")}
        # Each process is in `demos` as soon as it exists, so that it is stopped whatever happens next.
        open_demo = Demo(arguments.splice, "demo", workdir, [], env)
        demos.append(open_demo)
        keyed_env = dict(env, SPLICE_SDK_CLIENT_KEY=client_key, SPLICE_SDK_OTHER_KEY=other_key)
        keyed_demo = Demo(arguments.splice, "demo-with-client-keys", workdir, ["--config", str(config)], keyed_env)
        demos.append(keyed_demo)
        open_demo.wait_until_listening()
        keyed_demo.wait_until_listening()

        say("\nwithout client keys: any credentials, Splice sends the route's own")
        results.run(
            "huawei MetaStudioClient.confirm_file_upload, dummy AK/SK, re-signed by Splice",
            lambda: confirm_upload(open_demo.huawei_base, "DUMMYAK0000000000000", "dummy-secret-key"),
        )
        results.run(
            "autorender multipart_uploads.start + part PUTs + complete, dummy key",
            lambda: autorender_upload(open_demo.base, "dummy-key"),
        )

        say(f"\nwith client keys ({CLIENT_NAME}; {OTHER_CLIENT_NAME} may use spatialgen only)")
        results.run(
            "huawei confirm_file_upload, AK = client name, SK = client key",
            lambda: confirm_upload(keyed_demo.huawei_base, CLIENT_NAME, client_key),
        )
        results.run(
            "huawei confirm_file_upload, wrong SK is refused 401",
            lambda: confirm_upload_refused(keyed_demo.huawei_base, CLIENT_NAME, "wrong-" + client_key, 401),
        )
        results.run(
            "huawei confirm_file_upload, dummy AK/SK is refused 401",
            lambda: confirm_upload_refused(keyed_demo.huawei_base, "DUMMYAK0000000000000", "dummy-secret-key", 401),
        )
        results.run(
            "huawei confirm_file_upload, a client not allowed on the route is refused 403",
            lambda: confirm_upload_refused(keyed_demo.huawei_base, OTHER_CLIENT_NAME, other_key, 403),
        )
        results.run(
            "autorender start + part PUTs + complete, client key (x-api-key)",
            lambda: autorender_upload(keyed_demo.base, client_key),
        )
        results.run(
            "autorender complete, dummy key is refused 401",
            lambda: autorender_refused(keyed_demo.base, "dummy-key"),
        )
        results.run(
            "scripts: SpatialGen, GjirafaTech VP, Tenovos (login + complete) with the client key",
            lambda: script_calls(keyed_demo.base, client_key),
        )
    except KeyboardInterrupt as interruption:
        say(f"interrupted ({interruption})")
        results.failed.append("interrupted")
    except Exception as error:  # noqa: BLE001
        say(f"FAIL setup: {type(error).__name__}: {error}")
        results.failed.append("setup")
    finally:
        for demo in reversed(demos):
            demo.stop()
        for demo in demos:
            if demo.process.returncode != 0:
                say(f"FAIL {demo.name} exited with status {demo.process.returncode}; its output:\n{demo.output()}")
                results.failed.append(f"{demo.name} exit status")
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    say(f"\nsdk-clients: {results.passed} passed, {len(results.failed)} failed")
    return 0 if not results.failed else 1


if __name__ == "__main__":
    sys.exit(main())
