"""compose.yaml: valid Compose, and the deployment the README promises.

The schema is the Compose Specification's JSON schema as shipped by the npm package
`dclint` 3.1.0 (MIT; `package/schemas/compose.schema.json`, vendored unchanged as
`compose-spec.json`, sha256 46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496).
Where the `docker compose` plugin is installed, `docker compose config` checks the file too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
APPS = ("app1", "app2")
# What `.env` must name; placeholders for the checks only.
REQUIRED_ENVIRONMENT = {
    "POSTGRES_PASSWORD": "placeholder-postgres",
    "MINIO_ROOT_USER": "placeholder-user",
    "MINIO_ROOT_PASSWORD": "placeholder-minio",
    "CIVICFUTURES_SECRET_KEY": "placeholder-secret",
    "CIVICFUTURES_PUBLIC_HOST": "stories.example.org",
}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def proxy_config() -> str:
    """The nginx configuration as nginx reads it (compose turns `$$` into `$`)."""
    return compose()["configs"]["nginx"]["content"].replace("$$", "$")


def nginx_map(config: str, variable: str) -> dict[str, str]:
    """The entries of the `map ... $variable { ... }` block."""
    block = re.search(r"map\s+\S+\s+\$" + variable + r"\s*\{(.*?)\}", config, re.S)
    assert block, f"no map for ${variable}"
    entries = {}
    for line in block.group(1).strip().splitlines():
        key, value = line.strip().rstrip(";").rsplit(None, 1)
        entries[key.strip('"')] = value
    return entries


def directives(config: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^\s*{name}\s+([^;]*);", config, re.M)]


def compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


def test_compose_yaml_follows_the_compose_specification():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []
    # The schema itself catches mistakes (it is not an accept-anything stub).
    broken = compose()
    proxy = broken["services"]["proxy"]
    proxy["helthcheck"] = proxy.pop("healthcheck")
    proxy["ports"] = "443:443"
    found = " ".join(error.message for error in validator.iter_errors(broken))
    assert "'helthcheck' does not match" in found
    assert "'443:443' is not of type 'array'" in found
    if compose_plugin():
        checked = subprocess.run(
            ["docker", "compose", "--file", str(COMPOSE), "config", "--quiet"],
            capture_output=True,
            text=True,
            env={**os.environ, **REQUIRED_ENVIRONMENT},
            cwd=ROOT,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr


def test_the_services_of_the_deployment():
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "minio",
        "bucket",
        "migrate",
        "app1",
        "app2",
        "worker",
        "proxy",
    }
    for name in APPS:
        assert services[name]["command"][:2] == ["civicfutures", "serve"]
        assert "/health/ready" in " ".join(services[name]["healthcheck"]["test"])
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["worker"]["command"] == ["civicfutures", "worker"]
    assert services["migrate"]["command"] == ["civicfutures", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The bucket is made once, after the store is up, versioned.
    bucket = services["bucket"]
    assert bucket["restart"] == "no"
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"
    script = " ".join(bucket["entrypoint"])
    assert "mc mb --ignore-existing store/civicfutures" in script
    assert "mc version enable store/civicfutures" in script


def test_apps_and_worker_share_one_database_and_one_store():
    services = compose()["services"]
    environments = [services[name]["environment"] for name in (*APPS, "worker", "migrate")]
    assert all(environment == environments[0] for environment in environments)
    environment = environments[0]
    assert re.fullmatch(
        r"postgresql://civicfutures:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432/civicfutures",
        environment["CIVICFUTURES_DATABASE_URL"],
    )
    assert environment["CIVICFUTURES_STORAGE_URL"].startswith("s3://civicfutures/")
    assert environment["AWS_ENDPOINT_URL"] == "http://minio:9000"
    assert environment["CIVICFUTURES_HTTPS"] == "1"
    proxy_address = services["proxy"]["networks"]["platform"]["ipv4_address"]
    assert environment["CIVICFUTURES_TRUSTED_PROXIES"] == proxy_address


def test_secrets_come_from_the_environment_only():
    services = compose()["services"]
    secrets = {
        ("postgres", "POSTGRES_PASSWORD"),
        ("minio", "MINIO_ROOT_USER"),
        ("minio", "MINIO_ROOT_PASSWORD"),
        ("app1", "AWS_ACCESS_KEY_ID"),
        ("app1", "AWS_SECRET_ACCESS_KEY"),
        ("app1", "CIVICFUTURES_SECRET_KEY"),
    }
    for service, name in secrets:
        value = services[service]["environment"][name]
        assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", value), (service, name, value)


def test_postgres_keeps_its_data_in_a_named_volume_and_reports_health():
    document = compose()
    postgres = document["services"]["postgres"]
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in document["volumes"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "healthcheck" in document["services"]["minio"]


def test_every_image_has_a_fixed_version():
    for name, service in compose()["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", (name, image)


def test_the_proxy_terminates_tls_and_balances_both_apps():
    services = compose()["services"]
    proxy = services["proxy"]
    assert "443:443" in proxy["ports"]
    config = proxy_config()
    tls_folder = next(v.rsplit(":", 2)[1] for v in proxy["volumes"] if v.endswith(":ro"))
    certificates = directives(config, "ssl_certificate") + directives(config, "ssl_certificate_key")
    assert len(certificates) == 2
    assert all(path.startswith(tls_folder + "/") for path in certificates)
    upstream = re.search(r"upstream civicfutures \{(.*?)\}", config, re.S).group(1)
    assert [line.split()[0] for line in directives(upstream, "server")] == [
        f"{name}:8000" for name in APPS
    ]
    assert "return 301 https://$host$request_uri" in config


def test_the_proxy_caches_only_public_answers_to_anonymous_requests():
    config = proxy_config()
    assert directives(config, "proxy_cache_bypass") == ["$skip_cache"]
    assert set(directives(config, "proxy_no_cache")[0].split()) == {"$skip_cache", "$not_public"}
    # Anonymous means: no session cookie and no API token.
    skip = nginx_map(config, "skip_cache")
    assert skip == {"default": "1", "0": "0"}
    assert re.search(r'map "\$signed_in\$http_authorization" \$skip_cache', config)
    public = nginx_map(config, "not_public")
    assert public["default"] == "1"
    [pattern] = [key for key, value in public.items() if value == "0"]
    public_re = re.compile(pattern.removeprefix("~*"), re.I)
    assert public_re.search("public, no-cache")
    assert public_re.search("max-age=60, Public")
    for not_public in ("private", "no-store", "private, max-age=60", "no-cache", "nonpublic"):
        assert not public_re.search(not_public), not_public
    # ETags are used to revalidate; Set-Cookie still keeps an answer out of the cache.
    assert directives(config, "proxy_cache_revalidate") == ["on"]
    ignored = directives(config, "proxy_ignore_headers")[0].split()
    assert "Set-Cookie" not in ignored


async def test_the_proxy_recognises_the_apps_session_cookie(client, sign_in):
    """The cookie a signed-in browser carries is the one the proxy's map looks for."""
    signed_in = nginx_map(proxy_config(), "signed_in")
    [pattern] = [key for key, value in signed_in.items() if value == "1"]
    await sign_in("admin")
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    assert re.search(pattern.removeprefix("~"), cookies)
    assert not re.search(pattern.removeprefix("~"), "civicfutures_lang=pl; csrftoken=x")


async def test_public_archive_pages_say_public_and_signed_in_pages_do_not(
    client, admin, world, sign_in
):
    from archive.conftest import fill_shelf, publish_archive

    pattern = next(k for k, v in nginx_map(proxy_config(), "not_public").items() if v == "0")
    public_re = re.compile(pattern.removeprefix("~*"), re.I)
    await fill_shelf(client, admin, world)
    await publish_archive(client, admin)
    archive = await client.get("/en/archive/futures")
    assert archive.status_code == 200
    assert public_re.search(archive.headers["cache-control"])
    assert "set-cookie" not in archive.headers
    await sign_in("admin")
    signed_in_page = await client.get("/en/")
    assert not public_re.search(signed_in_page.headers.get("cache-control", ""))


def test_the_apps_shared_folder_is_writable_by_the_images_user():
    """A named volume starts with the ownership of the image's folder at its mount point."""
    from test_dockerfile import instructions

    document = compose()
    [mount] = document["services"]["app1"]["volumes"]
    volume, target = mount.split(":")
    assert volume in document["volumes"]
    assert document["services"]["app1"]["environment"]["CIVICFUTURES_EXPORTS_DIR"] == target
    runs = " ".join(arguments for keyword, arguments in instructions() if keyword == "RUN")
    assert f"mkdir -p {target}" in runs
    assert re.search(r"chown -R civicfutures " + re.escape(str(Path(target).parent)), runs)
