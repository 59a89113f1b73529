"""A person in chromium links two simulator accounts through Home Assistant's UI.

SandboxUser7 is linked as "Alex" and SandboxUser1 as "Sam": each gets its own
device, entities and statistic named after it, the same Dexcom user cannot be
linked twice, the README's examples work, Alex's settings and logs (alert
levels, last events, session, alert event, get_events, daily totals) and
glycemic analytics (measure sensors, episode event, get_agp, daily
statistics) are there, and the ready dashboard renders. The tests run in file
order on one Home Assistant; the screenshots go to docs/images/.
"""

from datetime import UTC, datetime, timedelta
import logging
import math
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Locator, Page, TimeoutError as PlaywrightTimeoutError
import pytest

from tests.dashboard import dashboard_for
from tests.scripts.develop import REPO, RUN_DIR

from .hass import DOMAIN, HA_URL, SIMULATOR_URL, Hass
from .readme import for_name, readme_yaml

pytestmark = pytest.mark.e2e
_LOGGER = logging.getLogger(__name__)

IMAGES = REPO / "docs" / "images"
# Two mg/dL accounts (dexcom_simulator/profiles.py): a G7 and a G6.
ALEX = {"user": "SandboxUser7", "name": "Alex", "slug": "alex", "model": "G7"}
SAM = {"user": "SandboxUser1", "name": "Sam", "slug": "sam", "model": "G6"}
# What the name step offers when no account is called "Dexcom" (README, Link your account).
SUGGESTED_NAME = "Dexcom"
NO_STATE = ("unavailable", "unknown")
# The simulator's default data delay is an hour (plus jitter); Dexcom's is up to three.
MAX_READING_AGE = timedelta(hours=4)
# Glucose entities show the latest reading while it is younger than the data delay + 30 min.
CURRENT_MARGIN = timedelta(minutes=30)


def entities_of(slug: str) -> dict[str, str]:
    """Return the entity ids of an account linked under a name whose slug is `slug`."""
    return {
        "value": f"sensor.{slug}_glucose_value",
        "trend": f"sensor.{slug}_glucose_trend",
        "trend_rate": f"sensor.{slug}_glucose_trend_rate",
        "range": f"sensor.{slug}_glucose_range",
        "reading_time": f"sensor.{slug}_reading_time",
        "data_delay": f"sensor.{slug}_data_delay",
        "api_status": f"binary_sensor.{slug}_api_status",
    }


def settings_of(slug: str) -> dict[str, str]:
    """Return the entity ids of an account's settings and logs (README "Your Dexcom settings and logs")."""
    return {
        "low_level": f"sensor.{slug}_low_alert_level",
        "high_level": f"sensor.{slug}_high_alert_level",
        "urgent_low_level": f"sensor.{slug}_urgent_low_alert_level",
        "below_low": f"binary_sensor.{slug}_below_low",
        "above_high": f"binary_sensor.{slug}_above_high",
        "urgent_low": f"binary_sensor.{slug}_urgent_low",
        "last_carbs": f"sensor.{slug}_last_carbs",
        "last_fast_acting": f"sensor.{slug}_last_fast_acting_insulin",
        "last_long_acting": f"sensor.{slug}_last_long_acting_insulin",
        "last_exercise": f"sensor.{slug}_last_exercise",
        "session_start": f"sensor.{slug}_sensor_session_start",
        "session_end": f"sensor.{slug}_sensor_session_end",
        "alert": f"event.{slug}_dexcom_alert",
    }


def parse_time(text: str) -> datetime:
    """Parse one of Home Assistant's ISO timestamps."""
    return datetime.fromisoformat(text)


def number(text: str) -> float:
    """Return a state as a number, NaN when it is none."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def shoot(page: Page, target: Page | Locator, name: str, **options: Any) -> None:
    """Screenshot into docs/images/ once the checked state is painted.

    Material transitions run up to ~300 ms, none of them visible to
    document.getAnimations().
    """
    page.wait_for_timeout(600)
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    target.screenshot(path=IMAGES / name, **options)


def full(card: dict[str, Any]) -> dict[str, Any]:
    """Return a card that spans its section's width."""
    return {**card, "grid_options": {"columns": "full", **card.get("grid_options", {})}}


def add_integration(page: Page) -> None:
    """Open Settings > Devices & services > Add integration > Dexcom (OAuth)."""
    page.goto(f"{HA_URL}/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("Dexcom")
    page.get_by_role("button", name="Dexcom (OAuth)").click()


def log_in_as(page: Page, sandbox_user: str, *, shoot_region: bool = False) -> None:
    """From Add integration to a click on the sandbox user on the simulator's login page."""
    add_integration(page)
    custom = page.get_by_role("radio", name="Custom server (development)")
    custom.click()
    assert custom.is_checked()
    if shoot_region:
        shoot(page, page, "config_flow_region.png")
    page.get_by_role("button", name="Submit").click()

    page.get_by_role("textbox", name=re.compile("Server URL")).fill(SIMULATOR_URL)
    # The single application credential is picked without asking; the
    # external step opens the simulator's login page in a new window.
    try:
        with page.context.expect_page(timeout=30_000) as opened:
            page.get_by_role("button", name="Submit").click()
    except PlaywrightTimeoutError:
        # A blocked popup leaves the dialog's link to open it by hand.
        with page.context.expect_page() as opened:
            page.get_by_role("link", name="Open website").click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url.startswith(f"{SIMULATOR_URL}/v2/oauth2/login?"), popup.url
    redirect = parse_qs(urlparse(popup.url).query)["redirect_uri"]
    assert redirect == [f"{HA_URL}/auth/external/callback"]
    popup.locator(f"#user-{sandbox_user}").click()


def name_field(page: Page) -> Locator:
    """Return the name step's field, once Home Assistant's callback page closed the window."""
    page.get_by_text("Whose readings are these?", exact=True).wait_for(timeout=60_000)
    field = page.get_by_role("textbox", name=re.compile("Name"))
    field.wait_for()
    return field


def submit_name(page: Page, name: str, *, shoot_linked: bool = False) -> None:
    """Submit the name step; the flow ends with the device's "Name and assign" dialog."""
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Linked successfully.").wait_for(timeout=60_000)
    # Home Assistant offers to rename the new device: it already has the account's name.
    assert page.get_by_role("textbox", name="Device name").input_value() == name
    if shoot_linked:
        shoot(page, page, "config_flow_linked.png")
    page.get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()
    page.get_by_text("Linked successfully.").wait_for(state="detached")


def test_the_dev_user_is_logged_in_to_the_prepared_home_assistant(
    page: Page, ha: Hass
) -> None:
    """Logged in through the UI; Home Assistant runs the integration, no account yet."""
    assert "/auth/" not in page.url
    config = ha.get("/api/config")
    assert config["state"] == "RUNNING"
    assert DOMAIN in config["components"], "dexcom_oauth is set up from YAML"
    assert ha.config_entries() == [], "no account linked before the test"
    # Home Assistant's notice that a Python (Core) installation is deprecated
    # would put a badge on Settings in every screenshot: it is not ours.
    for issue in ha.ws({"type": "repairs/list_issues"})["issues"]:
        _LOGGER.info("repair issue %s.%s", issue["domain"], issue["issue_id"])
        assert issue["domain"] != DOMAIN
        if issue["domain"] == "homeassistant" and issue["issue_id"].startswith(
            "deprecated"
        ):
            ha.ws(
                {
                    "type": "repairs/ignore_issue",
                    "domain": issue["domain"],
                    "issue_id": issue["issue_id"],
                    "ignore": True,
                }
            )


def test_sandbox_user_7_is_linked_as_alex_over_the_suggested_name(
    page: Page, ha: Hass
) -> None:
    """The first account is offered "Dexcom"; typed over, it is Alex's entry."""
    log_in_as(page, ALEX["user"], shoot_region=True)
    name = name_field(page)
    assert name.input_value() == SUGGESTED_NAME, 'the first account is offered "Dexcom"'
    name.fill(ALEX["name"])
    shoot(page, page, "config_flow_name.png")
    submit_name(page, ALEX["name"], shoot_linked=True)

    [entry] = [e for e in ha.config_entries() if e["title"] == ALEX["name"]]
    assert entry["state"] == "loaded", entry


def test_sandbox_user_1_is_linked_as_sam_and_a_name_alex_has_is_refused(
    page: Page, ha: Hass
) -> None:
    """The second flow still offers "Dexcom"; "ALEX!" would give Alex's entity ids."""
    log_in_as(page, SAM["user"])
    name = name_field(page)
    offered = name.input_value()
    _LOGGER.info("the second flow offered %r", offered)
    assert offered != ALEX["name"], (
        "the second flow does not offer the first account's name"
    )
    assert offered == SUGGESTED_NAME, '"Dexcom" is still free, so it is offered'

    name.fill("ALEX!")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text(
        re.compile("Another linked Dexcom account already has this name")
    ).wait_for()
    page.screenshot(path=RUN_DIR / "name_in_use.png")
    name.fill(SAM["name"])
    submit_name(page, SAM["name"])

    [entry] = [e for e in ha.config_entries() if e["title"] == SAM["name"]]
    assert entry["state"] == "loaded", entry
    assert len(ha.config_entries()) == 2


def test_linking_sandbox_user_7_again_is_refused_naming_alex(
    page: Page, ha: Hass
) -> None:
    """The flow aborts naming the account it is linked as; no flow is left."""
    log_in_as(page, ALEX["user"])
    message = page.get_by_text(re.compile("This Dexcom account is already linked as"))
    message.wait_for(timeout=60_000)
    assert re.search(r"already linked as\s*Alex\b", message.text_content() or "")
    page.screenshot(path=RUN_DIR / "already_linked.png")
    page.get_by_role("button", name="Close").last.click()
    message.wait_for(state="detached")

    assert sorted(e["title"] for e in ha.config_entries()) == ["Alex", "Sam"]
    flows = ha.ws({"type": "config_entries/flow/progress"})
    assert [f for f in flows if f["handler"] == DOMAIN] == [], "no Dexcom flow left"


def test_each_account_has_its_own_device_and_entities_with_plausible_states(
    ha: Hass,
) -> None:
    """Devices named after the accounts; entities on them, each in one account only."""
    devices = ha.ws({"type": "config/device_registry/list"})
    seen: set[str] = set()
    for account in (ALEX, SAM):
        ids = entities_of(account["slug"])
        entry_id = ha.entry_id(account["name"])
        [device] = [d for d in devices if entry_id in d["config_entries"]]
        assert device["name"] == account["name"], (
            "the device is named after the account"
        )
        assert device["name_by_user"] is None
        assert device["manufacturer"] == "Dexcom"
        assert device["model"] == account["model"]

        registered = ha.registry(account["name"])
        by_id = {e["entity_id"]: e for e in registered}
        for entity_id in ids.values():
            assert entity_id in by_id, f"{entity_id} registered: {sorted(by_id)}"
            assert by_id[entity_id]["device_id"] == device["id"], entity_id
        assert not seen & by_id.keys(), "each entity belongs to one account only"
        seen |= by_id.keys()

        states = ha.states(list(ids.values()))
        for state in states.values():
            _LOGGER.info("%s = %s", state["entity_id"], state["state"])
        read_at = parse_time(states[ids["reading_time"]]["state"])
        age = datetime.now(UTC) - read_at
        assert timedelta(0) < age < MAX_READING_AGE, f"reading taken {age} ago"
        delay = timedelta(minutes=float(states[ids["data_delay"]]["state"]))
        assert delay >= timedelta(0)

        value = states[ids["value"]]
        assert value["attributes"]["unit_of_measurement"] == "mg/dL"
        assert value["attributes"]["device_class"] == "blood_glucose_concentration"
        if value["state"] == "unavailable":
            # Only when the newest reading is no longer current (a gap in the trace).
            assert age > delay + CURRENT_MARGIN, f"unavailable for a reading {age} old"
            _LOGGER.info(
                "%s's newest reading is %s old: not current", account["name"], age
            )
        else:
            assert 40 <= float(value["state"]) <= 400, value["state"]
            assert parse_time(value["attributes"]["reading_time"]) == read_at
            trend = states[ids["trend"]]
            if trend["state"] in NO_STATE:
                _LOGGER.info("trend is %s: the newest record has none", trend["state"])
            else:
                assert trend["state"] in trend["attributes"]["options"], trend
            glucose_range = states[ids["range"]]
            assert glucose_range["state"] in glucose_range["attributes"]["options"]

        api_status = states[ids["api_status"]]
        assert api_status["attributes"]["device_class"] == "problem"
        assert api_status["state"] == "off", f"Dexcom's API answered: {api_status}"
    assert ha.device_id("Alex") != ha.device_id("Sam")


def test_each_account_has_its_true_time_statistic_named_after_it(ha: Hass) -> None:
    """One statistic per account, "<name> glucose (reading time)", in mg/dL."""
    wanted = {
        f"dexcom_oauth:glucose_{ha.entry_id(a['name']).lower()}": f"{a['name']} glucose (reading time)"
        for a in (ALEX, SAM)
    }
    ours = ha.statistic_ids("mean", list(wanted))
    assert {s["statistic_id"]: s["name"] for s in ours} == wanted
    for statistic in ours:
        assert statistic["source"] == DOMAIN
        assert statistic["statistics_unit_of_measurement"] == "mg/dL"
    listed = ha.ws({"type": "recorder/list_statistic_ids", "statistic_type": "mean"})
    others = [
        s["statistic_id"]
        for s in listed
        if s["source"] == DOMAIN
        and not s["statistic_id"].startswith("dexcom_oauth:daily_")
        and s["statistic_id"] not in wanted
    ]
    assert others == [], "no other glucose statistic"


def test_the_readme_low_glucose_notification_renders_for_alex_rounded(ha: Hass) -> None:
    """The example's condition and message, rendered by Home Assistant for Alex."""
    [automation] = readme_yaml(
        "### Low-glucose notification that checks the reading's age"
    )["automation"]
    example = for_name(automation, ALEX["slug"])
    ids = entities_of(ALEX["slug"])
    assert example["triggers"][0]["entity_id"] == ids["value"]

    condition = ha.template(example["conditions"][0]["value_template"])
    _LOGGER.info("condition: %s", condition)
    assert condition in ("True", "False")
    message = " ".join(ha.template(example["actions"][0]["data"]["message"]).split())
    _LOGGER.info("message: %s", message)
    value = (ha.state(ids["value"]) or {})["state"]
    shown = 0 if value == "unavailable" else round(float(value))
    assert re.fullmatch(
        rf"{shown} mg/dL \(.+\), trend .+, taken \d+ (minute|hour)s? ago\.", message
    ), message


def test_the_device_page_a_glucose_chart_and_the_readme_card_show_the_readings(
    page: Page, ha: Hass
) -> None:
    """Screenshots of the device page, the hourly true-time chart and the README's card."""
    page.goto(f"{HA_URL}/config/devices/device/{ha.device_id('Alex')}")
    page.get_by_text("Glucose value", exact=True).first.wait_for()
    page.get_by_text(ALEX["name"], exact=True).first.wait_for()
    page.wait_for_timeout(1500)  # icons and values settle
    shoot(page, page, "device_page.png")

    # The value sensor's recorded history starts at the link; the hourly
    # statistic written at the readings' own hours goes back a day.
    ids = entities_of(ALEX["slug"])
    statistic_id = f"dexcom_oauth:glucose_{ha.entry_id('Alex').lower()}"
    hours = ha.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (datetime.now(UTC) - timedelta(hours=24)).isoformat(),
            "statistic_ids": [statistic_id],
            "period": "hour",
            "types": ["mean", "min", "max"],
        }
    )
    rows = hours.get(statistic_id, [])
    assert rows, "hourly glucose statistics for the last day"
    for row in rows:
        assert 40 <= row["min"] <= row["mean"] <= row["max"] <= 400, row

    # The card of README "Examples > Dashboard card", for Alex.
    card = for_name(readme_yaml("### Dashboard card"), ALEX["slug"])
    [markdown] = [c for c in card["cards"] if c["type"] == "markdown"]
    rendered = " ".join(ha.template(markdown["content"]).split())
    _LOGGER.info("dashboard card: %s", rendered)
    assert re.fullmatch(
        r"\*\*\d+ mg/dL\*\* · taken \d+ minutes ago \(Dexcom delivers readings late\)"
        r"|No current reading: the last one was taken \d+ minutes ago\.",
        rendered,
    ), rendered

    def view(title: str, path: str, cards: list[dict[str, Any]]) -> dict[str, Any]:
        section = {"type": "grid", "cards": [full(c) for c in cards]}
        return {
            "title": title,
            "path": path,
            "type": "sections",
            "max_columns": 1,
            "sections": [section],
        }

    chart = {
        "type": "statistics-graph",
        "title": "Glucose, hourly mean, min and max",
        "entities": [statistic_id],
        "period": "hour",
        "days_to_show": 1,
        "stat_types": ["mean", "min", "max"],
        "chart_type": "line",
        "grid_options": {"rows": 6},
    }
    newest = {
        "type": "entities",
        "title": "Newest reading",
        "entities": list(ids.values())[:6],
    }
    ha.dashboard(
        "dexcom-glucose",
        "Glucose",
        "mdi:water",
        {
            "title": "Glucose",
            "views": [
                view("Glucose", "glucose", [chart, newest]),
                view("Card", "card", [card]),
            ],
        },
    )
    page.goto(f"{HA_URL}/dexcom-glucose/glucose")
    page.locator("ha-chart-base canvas").first.wait_for()
    page.get_by_text("Newest reading").wait_for()
    page.wait_for_timeout(2500)  # the charts animate in
    shoot(page, page, "glucose_history.png")

    page.goto(f"{HA_URL}/dexcom-glucose/card")
    shown = page.locator("hui-vertical-stack-card")
    shown.get_by_text(re.compile("minutes ago|No current reading")).wait_for()
    shown.get_by_text("Reading time").wait_for()
    page.wait_for_timeout(1000)
    shoot(page, shown, "dashboard_card.png")


def test_alex_settings_and_logs_alert_levels_last_events_session_alert_event(
    ha: Hass,
) -> None:
    """Alert levels, level binary sensors, last events, session and the alert event."""
    ids = settings_of(ALEX["slug"])
    device_id = ha.device_id("Alex")
    by_id = {e["entity_id"]: e for e in ha.registry("Alex")}
    for entity_id in ids.values():
        assert entity_id in by_id, f"{entity_id} registered: {sorted(by_id)}"
        assert by_id[entity_id]["device_id"] == device_id, entity_id
        assert by_id[entity_id]["disabled_by"] is None, f"{entity_id} is enabled"
    states = ha.states(list(ids.values()))
    for state in states.values():
        _LOGGER.info(
            "%s = %s %s", state["entity_id"], state["state"], state["attributes"]
        )

    # Alert levels: mg/dL numbers (unknown when that alert is off or absent).
    levels = 0
    for key in ("low_level", "high_level", "urgent_low_level"):
        level = states[ids[key]]
        assert level["attributes"]["unit_of_measurement"] == "mg/dL", key
        if level["state"] in NO_STATE:
            continue
        assert 40 <= float(level["state"]) <= 400, level
        assert isinstance(level["attributes"]["schedule"], str), "it names its schedule"
        levels += 1
    assert levels > 0, "SandboxUser7 has alert levels"
    low = number(states[ids["low_level"]]["state"])
    high = number(states[ids["high_level"]]["state"])
    if not math.isnan(low) and not math.isnan(high):
        assert low < high

    # Level binary sensors: on/off against the current reading, else unknown/unavailable.
    value = (ha.state(entities_of(ALEX["slug"])["value"]) or {})["state"]
    for key in ("below_low", "above_high", "urgent_low"):
        sensor = states[ids[key]]
        assert sensor["state"] in ("on", "off", *NO_STATE), sensor
        if value == "unavailable":
            assert sensor["state"] in NO_STATE, f"{key} without a current reading"
    _LOGGER.info(
        "glucose %s, low %s: below low is %s",
        value,
        low,
        states[ids["below_low"]]["state"],
    )

    # Last events: an amount with the entry's own time, or unknown.
    known = 0
    now = datetime.now(UTC)
    for key in ("last_carbs", "last_fast_acting", "last_long_acting", "last_exercise"):
        last = states[ids[key]]
        if last["state"] in NO_STATE:
            continue
        assert float(last["state"]) > 0, last
        at = parse_time(last["attributes"]["event_time"])
        assert timedelta(0) < now - at < timedelta(days=7), last
        known += 1
    assert known > 0, (
        "SandboxUser7 logs events: at least one last-event sensor has an entry"
    )
    assert states[ids["last_carbs"]]["attributes"]["unit_of_measurement"] == "g"
    assert states[ids["last_fast_acting"]]["attributes"]["unit_of_measurement"] == "U"

    # Sensor session: estimated timestamps, start before end, or unknown.
    start, end = states[ids["session_start"]], states[ids["session_end"]]
    for session in (start, end):
        assert session["attributes"]["device_class"] == "timestamp", session
        if session["state"] in NO_STATE:
            continue
        parse_time(session["state"])
        assert session["attributes"]["estimated"] is True, session
        assert session["attributes"]["basis"] in ("transmitter_change", "warm_up_gap")
    if start["state"] not in NO_STATE and end["state"] not in NO_STATE:
        assert parse_time(start["state"]) < min(now, parse_time(end["state"]))
    else:
        _LOGGER.info("no sensor change seen yet: the session is unknown")

    # The alert event entity: Dexcom's alert names as event types. Alerts
    # Dexcom held at the link are marked seen without firing; SandboxUser7's
    # trace has about one alert a day, so one fires during the run only by chance.
    alert = states[ids["alert"]]
    assert "urgent_low" in alert["attributes"]["event_types"], alert
    assert "high" in alert["attributes"]["event_types"]
    assert alert["state"] != "unavailable"
    logbook = ha.ws(
        {
            "type": "logbook/get_events",
            "start_time": (now - timedelta(hours=24)).isoformat(),
            "end_time": datetime.now(UTC).isoformat(),
            "entity_ids": [ids["alert"]],
        }
    )
    fired = [
        r
        for r in logbook
        if r["entity_id"] == ids["alert"] and r["state"] not in NO_STATE
    ]
    if alert["state"] == "unknown":
        assert fired == [], "the alerts Dexcom held at the link did not fire"
        _LOGGER.info("no new alert during the run: the event entity is unknown")
    else:
        parse_time(alert["attributes"]["alert_time"])
        assert fired, f"the logbook lists the alert: {logbook}"


def test_get_events_answers_the_last_day_matching_the_last_event_sensors(
    ha: Hass,
) -> None:
    """dexcom_oauth.get_events: entries of the last day; the newest carbs is Last carbs."""
    end = datetime.now(UTC)
    start = end - timedelta(hours=24)
    result = ha.ws(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "get_events",
            "service_data": {
                "config_entry_id": ha.entry_id("Alex"),
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
            "return_response": True,
        }
    )
    events = result["response"]["events"]
    _LOGGER.info("%d entries in the last day: %s", len(events), events[-3:])
    assert events, "SandboxUser7 logged something in the last day"
    for event in events:
        assert start <= parse_time(event["time"]) < end, event
        assert event["type"] in (
            "insulin",
            "carbs",
            "exercise",
            "health",
            "bloodGlucose",
            "notes",
            "unknown",
        ), event
        assert event["status"] in ("created", "updated"), event
        assert event["value"] is None or isinstance(event["value"], int | float), event
        assert event["unit"] in ("grams", "units", "minutes", "mg/dL", "unknown"), event
    carbs = sorted(
        (e for e in events if e["type"] == "carbs" and (e["value"] or 0) > 0),
        key=lambda e: parse_time(e["time"]),
    )
    if carbs:
        last = ha.state(settings_of(ALEX["slug"])["last_carbs"]) or {}
        assert parse_time(last["attributes"]["event_time"]) == parse_time(
            carbs[-1]["time"]
        )
        assert float(last["state"]) == carbs[-1]["value"]


def test_the_daily_totals_are_statistics_named_after_alex_and_the_log_cards_are_shot(
    page: Page, ha: Hass
) -> None:
    """Carbs and insulin per day as sum statistics; the settings and logs cards."""
    entry_id = ha.entry_id("Alex").lower()
    wanted = [
        f"dexcom_oauth:{kind}_{entry_id}"
        for kind in ("carbs", "fast_acting_insulin", "long_acting_insulin")
    ]
    ours = ha.statistic_ids("sum", wanted)
    for s in ours:
        _LOGGER.info(
            "%s: %s (%s)",
            s["statistic_id"],
            s["name"],
            s["statistics_unit_of_measurement"],
        )
    assert sorted(s["statistic_id"] for s in ours) == sorted(wanted)
    for s in ours:
        assert s["source"] == DOMAIN
        assert re.fullmatch(r"Alex .+ per day", s["name"]), s
        assert s["has_sum"] is True
    [carbs] = [s for s in ours if s["statistic_id"] == wanted[0]]
    assert carbs["statistics_unit_of_measurement"] == "g"
    days = ha.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
            "statistic_ids": wanted,
            "period": "day",
            "types": ["change", "sum"],
        }
    )
    carb_days = days.get(wanted[0], [])
    _LOGGER.info("carbs per day: %s", [r["change"] for r in carb_days])
    assert len(carb_days) > 1, "a month of daily carbs totals"
    for row in carb_days:
        assert 0 <= row["change"] < 1000, row

    # A dashboard of the settings and logs, for the README's screenshots.
    ids = settings_of(ALEX["slug"])
    last_events: list[str | dict[str, Any]] = []
    for entity in (
        ids["last_carbs"],
        ids["last_fast_acting"],
        ids["last_long_acting"],
        ids["last_exercise"],
    ):
        last_events.append(entity)
        # When it was entered; none while unknown (the frontend shows a null time as 1970).
        if (ha.state(entity) or {})["attributes"].get("event_time"):
            last_events.append(
                {
                    "type": "attribute",
                    "entity": entity,
                    "attribute": "event_time",
                    "name": "Event time",
                    "format": "relative",
                    "icon": "mdi:clock-outline",
                }
            )
    last_events.append(ids["alert"])
    levels = [
        ids[k]
        for k in (
            "low_level",
            "high_level",
            "urgent_low_level",
            "below_low",
            "above_high",
            "urgent_low",
        )
    ]
    totals = [
        full(
            {
                "type": "statistics-graph",
                "title": title,
                "entities": entities,
                "period": "day",
                "days_to_show": 14,
                "stat_types": ["change"],
                "chart_type": "bar",
                "grid_options": {"rows": 5},
            }
        )
        # One card per unit: grams and insulin units do not share an axis.
        for title, entities in (
            ("Carbs per day", wanted[:1]),
            ("Insulin per day", wanted[1:]),
        )
    ]
    ha.dashboard(
        "dexcom-logs",
        "Dexcom logs",
        "mdi:notebook",
        {
            "title": "Dexcom logs",
            "views": [
                {
                    "title": "Logs",
                    "path": "logs",
                    "type": "sections",
                    "max_columns": 2,
                    "sections": [
                        {
                            "type": "grid",
                            "cards": [
                                full(
                                    {
                                        "type": "entities",
                                        "title": "Alert levels",
                                        "entities": levels,
                                    }
                                ),
                                full(
                                    {
                                        "type": "entities",
                                        "title": "Sensor session",
                                        "entities": [
                                            ids["session_start"],
                                            ids["session_end"],
                                        ],
                                    }
                                ),
                            ],
                        },
                        {
                            "type": "grid",
                            "cards": [
                                full(
                                    {
                                        "type": "entities",
                                        "title": "Last events",
                                        "entities": last_events,
                                    }
                                )
                            ],
                        },
                    ],
                },
                {
                    "title": "Totals",
                    "path": "totals",
                    "type": "sections",
                    "max_columns": 1,
                    "sections": [{"type": "grid", "cards": totals}],
                },
            ],
        },
    )
    page.goto(f"{HA_URL}/dexcom-logs/logs")
    cards = page.locator("hui-entities-card")
    cards.get_by_text(re.compile(r"\bLow alert level")).first.wait_for()
    cards.get_by_text(re.compile("Last carbs")).first.wait_for()
    cards.get_by_text(re.compile("Sensor session start")).first.wait_for()
    page.wait_for_timeout(1500)  # icons and values settle
    for title, name in (
        ("Alert levels", "alert_levels.png"),
        ("Last events", "last_events.png"),
        ("Sensor session", "sensor_session.png"),
    ):
        shoot(page, cards.filter(has_text=title), name)

    page.goto(f"{HA_URL}/dexcom-logs/totals")
    graphs = page.locator("hui-statistics-graph-card")
    graphs.nth(1).locator("ha-chart-base canvas").wait_for()
    graphs.nth(0).locator("ha-chart-base canvas").wait_for()
    page.wait_for_timeout(2500)  # the charts animate in
    # Both cards in one picture: the rectangle around them.
    a, b = graphs.nth(0).bounding_box(), graphs.nth(1).bounding_box()
    assert a and b
    x, y = min(a["x"], b["x"]), min(a["y"], b["y"])
    clip = {
        "x": x,
        "y": y,
        "width": max(a["x"] + a["width"], b["x"] + b["width"]) - x,
        "height": max(a["y"] + a["height"], b["y"] + b["height"]) - y,
    }
    shoot(page, page, "daily_totals.png", clip=clip)


PERCENTS = [
    f"{measure}_{window}"
    for measure in (
        "time_in_range",
        "time_below_range_level_1",
        "time_below_range_level_2",
        "time_above_range_level_1",
        "time_above_range_level_2",
        "glucose_cv",
        "cgm_active",
    )
    for window in ("14d", "24h")
]
MEASURES = [
    *PERCENTS,
    "mean_glucose_14d",
    "mean_glucose_24h",
    "gmi_14d",
    "glucose_change",
]


def check_measure(key: str, state: dict[str, Any], mean_14d: float) -> None:
    """Check a measure sensor: available, its data sufficiency and window, its value."""
    attributes = state["attributes"]
    assert state["state"] != "unavailable", f"{key} is available with 14 days kept"
    assert 0 <= attributes["data_sufficiency"] <= 100, state
    assert isinstance(attributes["readings"], int), state
    assert parse_time(attributes["window_start"]) < parse_time(attributes["window_end"])
    if state["state"] == "unknown":
        assert attributes["data_sufficiency"] < 70, (
            f"{key} unknown only below 70 % data"
        )
        return
    x = float(state["state"])
    if key in PERCENTS:
        assert attributes["unit_of_measurement"] == "%", key
        assert 0 <= x <= 100, state
    elif key.startswith("mean_glucose"):
        assert attributes["unit_of_measurement"] == "mg/dL", key
        assert 40 <= x <= 400, state
    else:
        # GMI from a mean within 40-400 mg/dL: 3.31 + 0.02392 x mean.
        assert 4 <= x <= 13, state
        if not math.isnan(mean_14d):
            assert abs(x - (3.31 + 0.02392 * mean_14d)) < 0.1, (x, mean_14d)


def check_agp(agp: dict[str, Any]) -> None:
    """Check the AGP: 96 bins of 15 minutes of local time, percentiles in order."""
    assert agp["unit"] == "mg/dL"
    assert agp["bin_minutes"] == 15
    assert len(agp["profile"]) == 96
    assert agp["profile"][0]["time"] == "00:00"
    assert agp["profile"][30]["time"] == "07:30"
    filled = 0
    for row in agp["profile"]:
        if row["readings"] == 0:
            continue
        filled += 1
        percentiles = [row[p] for p in ("p5", "p25", "p50", "p75", "p95")]
        assert percentiles[0] >= 40, row
        assert percentiles == sorted(percentiles), f"percentiles in order: {row}"
        assert percentiles[-1] <= 400, row
    assert filled > 90, f"most bins have readings over 14 days: {filled}"
    # Each reading in one bin (a DST change repeats or skips an hour's, 12 readings).
    binned = sum(row["readings"] for row in agp["profile"])
    assert abs(binned - agp["measures"]["readings"]) <= 12, binned
    assert isinstance(agp["episodes"], list), "the response lists the episodes"


def test_alex_glycemic_analytics_sensors_episode_get_agp_daily_statistics(
    page: Page, ha: Hass
) -> None:
    """Measure sensors, the episode event, get_agp and the daily statistics; cards shot."""
    registry = ha.registry("Alex")
    device_id = ha.device_id("Alex")
    by_key: dict[str, str] = {}
    for key in (*MEASURES, "glucose_episode"):
        [entity] = [e for e in registry if e["translation_key"] == key] or [None]
        assert entity, f"{key} registered: {[e['translation_key'] for e in registry]}"
        assert entity["device_id"] == device_id, entity
        by_key[key] = entity["entity_id"]
    assert by_key["time_in_range_14d"] == "sensor.alex_time_in_range_14_days", (
        "the README names it so"
    )
    assert by_key["glucose_episode"] == "event.alex_glucose_episode", (
        "the README names it so"
    )

    # The 14 days are fetched in one request after the link: wait for them.
    deadline = datetime.now(UTC) + timedelta(seconds=90)
    while True:
        states = ha.states(list(by_key.values()))
        if (
            states[by_key["cgm_active_14d"]]["state"] not in NO_STATE
            or datetime.now(UTC) > deadline
        ):
            break
        page.wait_for_timeout(2000)
    for key in MEASURES:
        s = states[by_key[key]]
        _LOGGER.info("%s = %s %s", s["entity_id"], s["state"], s["attributes"])
    mean_14d = number(states[by_key["mean_glucose_14d"]]["state"])
    for key in MEASURES[:-1]:
        check_measure(key, states[by_key[key]], mean_14d)
    assert states[by_key["cgm_active_14d"]]["state"] not in NO_STATE, (
        "CGM active is always shown"
    )
    cgm_14d = float(states[by_key["cgm_active_14d"]]["state"])
    if cgm_14d >= 70:
        # Time below, in and above range share the readings between them.
        ranges = [k for k in PERCENTS if k.endswith("_14d") and "range" in k]
        total = sum(float(states[by_key[k]]["state"]) for k in ranges)
        assert abs(total - 100) < 0.5, f"the ranges add up to 100 %: {total}"
    change = states[by_key["glucose_change"]]
    if change["state"] not in NO_STATE:
        assert abs(float(change["state"])) < 100, change
    episode = states[by_key["glucose_episode"]]
    assert episode["state"] != "unavailable"
    assert sorted(episode["attributes"]["event_types"]) == [
        "hyper_level_2",
        "hypo_level_1",
        "hypo_level_2",
    ]

    result = ha.ws(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "get_agp",
            "service_data": {"config_entry_id": ha.entry_id("Alex"), "days": 14},
            "return_response": True,
        }
    )
    agp = result["response"]
    _LOGGER.info(
        "get_agp: %s .. %s (%s), %s",
        agp["start"],
        agp["end"],
        agp["time_zone"],
        agp["measures"],
    )
    check_agp(agp)
    if agp["measures"]["sufficient"] and cgm_14d >= 70:
        tir = float(states[by_key["time_in_range_14d"]]["state"])
        # The sensor and the action see the same kept readings (a new poll may move the window).
        assert abs(agp["measures"]["time_in_range"] - tir) < 2, (agp["measures"], tir)

    # Daily long-term statistics (README "Daily long-term statistics"), named after Alex.
    tir_id = f"dexcom_oauth:daily_time_in_range_{ha.entry_id('Alex').lower()}"
    [tir_statistic] = ha.statistic_ids("mean", [tir_id]) or [None]
    assert tir_statistic, f"{tir_id} listed"
    assert re.fullmatch(
        r"Alex time in range \(daily\)", tir_statistic["name"], re.IGNORECASE
    )
    tir_days = ha.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
            "statistic_ids": [tir_id],
            "period": "day",
            "types": ["mean"],
        }
    ).get(tir_id, [])
    _LOGGER.info("daily TIR: %s", [row["mean"] for row in tir_days])
    assert len(tir_days) > 1, "several days of daily TIR"
    for row in tir_days:
        assert 0 <= row["mean"] <= 100, row

    # The README's AGP chart needs the ApexCharts card (HACS), which is not
    # installed: the daily TIR statistic is shot instead.
    listed = [
        "time_in_range_14d",
        "time_below_range_level_1_14d",
        "time_below_range_level_2_14d",
        "time_above_range_level_1_14d",
        "time_above_range_level_2_14d",
        "mean_glucose_14d",
        "glucose_cv_14d",
        "gmi_14d",
        "cgm_active_14d",
        "cgm_active_24h",
        "glucose_change",
        "glucose_episode",
    ]
    sensors = full(
        {
            "type": "entities",
            "title": "Last 14 days",
            "entities": [by_key[k] for k in listed],
        }
    )
    graph = full(
        {
            "type": "statistics-graph",
            "title": "Time in range per day",
            "entities": [tir_id],
            "period": "day",
            "days_to_show": 14,
            "stat_types": ["mean"],
            "chart_type": "bar",
            "grid_options": {"rows": 5},
        }
    )
    ha.dashboard(
        "dexcom-analytics",
        "Glycemic analytics",
        "mdi:chart-bell-curve",
        {
            "title": "Glycemic analytics",
            "views": [
                {
                    "title": "Analytics",
                    "path": "analytics",
                    "type": "sections",
                    "max_columns": 2,
                    "sections": [
                        {"type": "grid", "cards": [sensors]},
                        {"type": "grid", "cards": [graph]},
                    ],
                }
            ],
        },
    )
    page.goto(f"{HA_URL}/dexcom-analytics/analytics")
    card = page.locator("hui-entities-card").filter(has_text="Last 14 days")
    card.get_by_text(re.compile(r"Time in range \(14 days\)")).first.wait_for()
    card.get_by_text(re.compile("Glucose episode")).first.wait_for()
    chart = page.locator("hui-statistics-graph-card")
    chart.locator("ha-chart-base canvas").wait_for()
    page.wait_for_timeout(2500)  # icons settle, the chart animates in
    shoot(page, card, "analytics_sensors.png")
    shoot(page, chart, "daily_time_in_range.png")


def test_the_ready_dashboard_renders_for_alex(page: Page, ha: Hass) -> None:
    """dashboards/dexcom_glucose.yaml, adapted to Alex as it says: no error card."""
    config = dashboard_for(ALEX["slug"], ha.entry_id("Alex"))
    ha.dashboard("dexcom-dashboard", "Dexcom", "mdi:diabetes", config)
    page.goto(f"{HA_URL}/dexcom-dashboard/glucose")
    charts = page.locator("hui-statistics-graph-card ha-chart-base canvas")
    charts.nth(0).wait_for()
    charts.nth(1).wait_for()
    markdown = page.locator("hui-markdown-card")
    markdown.get_by_text(re.compile("minutes ago|No current reading")).wait_for()
    page.get_by_text("Time in range (14 days)").wait_for()
    page.get_by_text("Time in range (24 hours)").wait_for()
    page.wait_for_timeout(2500)  # the charts animate in, values settle
    # Every entity row shows its entity: the frontend puts a warning in place of
    # one it does not know and an error card in place of a card it cannot show.
    assert page.locator("hui-entities-card").count() == 5
    assert page.locator("hui-warning, hui-error-card").count() == 0
    rows = [
        row["entity"]
        for section in config["views"][0]["sections"]
        for card in section["cards"]
        if card["type"] == "entities"
        for row in card["entities"]
    ]
    for entity_id in rows:
        name = (ha.state(entity_id) or {})["attributes"]["friendly_name"]
        assert page.get_by_text(name, exact=True).count() == 1, name
    for problem in ("Entity not available", "Entity not found", "No statistics found"):
        assert page.get_by_text(problem).count() == 0, problem
    shoot(page, page, "dashboard.png", full_page=True)  # all its sections


def test_no_repair_issue_from_the_integration(ha: Hass) -> None:
    """Nothing for the user to repair after linking two accounts."""
    issues = ha.ws({"type": "repairs/list_issues"})["issues"]
    assert [i for i in issues if i["domain"] == DOMAIN] == []


def test_no_errors_from_the_integration_in_the_home_assistant_log(ha: Hass) -> None:
    """No ERROR or CRITICAL line of the integration in home-assistant.log."""
    log = (RUN_DIR / "config" / "home-assistant.log").read_text(encoding="utf-8")
    ours = [
        line
        for line in log.splitlines()
        if re.search(r"\b(ERROR|CRITICAL)\b", line) and DOMAIN in line
    ]
    assert ours == []
