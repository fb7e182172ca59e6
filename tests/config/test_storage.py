"""Files live under MEDIA_ROOT, or with S3_BUCKET in an S3-compatible store that every machine
shares; half a store's configuration stops the program with one line of advice. Nothing here
connects to a store."""

import json

import pytest

from config import env
from tests.worlds import production

S3 = {
    "S3_BUCKET": "kaoping-files",
    "S3_ENDPOINT_URL": "https://oss.example.cn",
    "S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "S3_SECRET_ACCESS_KEY": "secret-for-tests",
    "S3_REGION": "cn-north-1",
}


@pytest.fixture
def environment(monkeypatch):
    for name in S3:
        monkeypatch.delenv(name, raising=False)

    def set_variables(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_variables


def test_it_keeps_files_under_media_root_without_a_bucket(environment):
    assert env.default_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_it_picks_the_s3_store_with_its_options_from_the_environment(environment):
    environment(**S3)
    assert env.default_storage() == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "kaoping-files", "endpoint_url": "https://oss.example.cn",
            "access_key": "AKIDEXAMPLE", "secret_key": "secret-for-tests", "region_name": "cn-north-1",
            "default_acl": None, "file_overwrite": False, "querystring_auth": True,
        },
    }


def test_it_leaves_endpoint_and_region_to_the_library_when_unset(environment):
    environment(S3_BUCKET="kaoping-files", S3_ACCESS_KEY_ID="AKIDEXAMPLE", S3_SECRET_ACCESS_KEY="secret-for-tests")
    options = env.default_storage()["OPTIONS"]
    assert options["endpoint_url"] is None
    assert options["region_name"] is None


@pytest.mark.parametrize(("given", "missing"), [
    ({"S3_BUCKET": "kaoping-files"}, "S3_ACCESS_KEY_ID、S3_SECRET_ACCESS_KEY"),
    ({"S3_BUCKET": "kaoping-files", "S3_ACCESS_KEY_ID": "AKIDEXAMPLE"}, "S3_SECRET_ACCESS_KEY"),
    ({"S3_ACCESS_KEY_ID": "AKIDEXAMPLE", "S3_SECRET_ACCESS_KEY": "secret-for-tests"}, "S3_BUCKET"),
    ({"S3_ENDPOINT_URL": "https://oss.example.cn"}, "S3_BUCKET、S3_ACCESS_KEY_ID、S3_SECRET_ACCESS_KEY"),
])
def test_it_refuses_half_a_store_configuration_naming_what_is_missing(environment, given, missing):
    environment(**given)
    with pytest.raises(env.ConfigError, match="对象存储配置不完整") as refused:
        env.default_storage()
    assert f"还须设置 {missing}；" in str(refused.value)
    assert "MEDIA_ROOT" in str(refused.value)


def test_it_refuses_an_endpoint_that_is_not_a_web_address(environment):
    environment(**{**S3, "S3_ENDPOINT_URL": "oss.example.cn"})
    with pytest.raises(env.ConfigError, match="S3_ENDPOINT_URL"):
        env.default_storage()


def test_production_with_a_bucket_uses_the_store_and_passes_check_deploy():
    code = (
        "import json; from django.conf import settings; from django.core.files.storage import storages; d = storages['default']; "
        "print(json.dumps([settings.STORAGES['default']['BACKEND'], type(d).__module__ + '.' + type(d).__name__, "
        "d.bucket_name, d.endpoint_url, d.querystring_auth, d.file_overwrite, d.default_acl]))"
    )
    shown = production("shell", "-c", code, **S3)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == [
        "storages.backends.s3.S3Storage", "storages.backends.s3.S3Storage", "kaoping-files",
        "https://oss.example.cn", True, False, None,
    ]
    checked = production("check", "--deploy", "--fail-level", "WARNING", **S3)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "WARNING" not in checked.stdout + checked.stderr


def test_production_with_half_a_store_stops_with_one_line():
    result = production("check", S3_BUCKET="kaoping-files")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "S3_ACCESS_KEY_ID" in result.stderr
