"""holomap_key_person_tags() (api/settings/sql/key_person_tags.sql), which every SQL figure of key persons
reads, says what the settings service says: the default without a row, the chosen tags with one."""
from sqlalchemy import text

from api.settings.service import DEFAULT_KEY_PERSON_TAGS, KEY_PERSON_TAGS, key_person_tags


def test_the_sql_tags_equal_the_services(db):
    db.execute(text("DELETE FROM app_setting WHERE key = :k"), {"k": KEY_PERSON_TAGS})
    assert db.execute(text("SELECT holomap_key_person_tags()")).scalar_one() == list(DEFAULT_KEY_PERSON_TAGS)
    db.execute(text("INSERT INTO app_setting (key, value) VALUES (:k, CAST(:v AS jsonb))"),
               {"k": KEY_PERSON_TAGS, "v": '["disabled", "veteran"]'})
    assert db.execute(text("SELECT holomap_key_person_tags()")).scalar_one() == list(key_person_tags(session=db)) \
        == ["disabled", "veteran"]
