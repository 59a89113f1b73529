"""The seven sandbox users: device, account settings and how their glucose behaves."""

from dataclasses import dataclass
from typing import Literal

type Generation = Literal["g6", "g7"]
type DisplayUnit = Literal["mg/dL", "mmol/L"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertThresholds:
    """The user's own alert settings (mg/dL, mg/dL/min, minutes); None = disabled."""

    high: int
    low: int
    urgent_low: int = 55
    urgent_low_soon: bool = True
    rise: float | None = None
    fall: float | None = None
    no_readings: int | None = 20
    high_snooze: int = 120
    low_snooze: int = 30
    night_schedule: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UserProfile:
    """One simulated user.

    The physiology numbers feed the glucose model in `physiology.py`: base level,
    how strongly carbohydrates raise glucose, how well boluses match meals, and
    how much slow drift, fast wobble and sensor noise there is.
    """

    name: str
    number: int
    description: str
    generation: Generation
    unit: DisplayUnit
    utc_offset_minutes: int
    display_device: str
    display_app: str
    display_time_with_offset: bool
    display_clock_drift_seconds: int
    out_of_range_as_null: bool
    event_values_as_strings: bool
    event_times_without_seconds: bool
    logs_events: bool
    multiple_daily_injections: bool
    base: float
    carb_sensitivity: float
    insulin_sensitivity: float
    meal_scale: float
    bolus_bias: float
    bolus_error: float
    missed_bolus: float
    snack_chance: float
    dawn: float
    drift: float
    wobble: float
    sensor_noise: float
    exercise_chance: float
    exercise_effect: float
    gaps_per_day: float
    calibrations_per_session: float
    alerts: AlertThresholds
    # Alert settings with production quirks (Tidepool's notes): a negative fall
    # value, a snooze of 28, an empty and a repeated day in daysOfWeek.
    settings_quirks: bool = False

    @property
    def utc_offset_seconds(self) -> int:
        """Offset of the user's local time from UTC."""
        return self.utc_offset_minutes * 60

    @property
    def warmup_seconds(self) -> int:
        """Sensor warm-up without readings: G6 two hours, G7 thirty minutes."""
        return 7200 if self.generation == "g6" else 1800


PROFILES: tuple[UserProfile, ...] = (
    UserProfile(
        name="SandboxUser1",
        number=1,
        description="G6 on iPhone, well controlled adult, logs meals and insulin",
        generation="g6",
        unit="mg/dL",
        utc_offset_minutes=-8 * 60,
        display_device="iOS",
        display_app="G6",
        display_time_with_offset=False,
        display_clock_drift_seconds=0,
        out_of_range_as_null=True,
        event_values_as_strings=False,
        event_times_without_seconds=False,
        logs_events=True,
        multiple_daily_injections=False,
        base=105.0,
        carb_sensitivity=4.0,
        insulin_sensitivity=45.0,
        meal_scale=1.0,
        bolus_bias=0.06,
        bolus_error=0.16,
        missed_bolus=0.03,
        snack_chance=0.4,
        dawn=20.0,
        drift=22.0,
        wobble=7.0,
        sensor_noise=3.0,
        exercise_chance=0.25,
        exercise_effect=1.0,
        gaps_per_day=0.6,
        calibrations_per_session=0.5,
        alerts=AlertThresholds(
            high=180, low=70, rise=3.0, fall=3.0, night_schedule=True
        ),
    ),
    UserProfile(
        name="SandboxUser2",
        number=2,
        description="G7 on Android, teenager with large swings, mmol/L account",
        generation="g7",
        unit="mmol/L",
        utc_offset_minutes=60,
        display_device="android",
        display_app="G7Android",
        display_time_with_offset=True,
        display_clock_drift_seconds=0,
        out_of_range_as_null=True,
        event_values_as_strings=False,
        event_times_without_seconds=False,
        logs_events=True,
        multiple_daily_injections=True,
        base=118.0,
        carb_sensitivity=5.0,
        insulin_sensitivity=50.0,
        meal_scale=1.1,
        bolus_bias=0.0,
        bolus_error=0.3,
        missed_bolus=0.08,
        snack_chance=0.7,
        dawn=35.0,
        drift=35.0,
        wobble=10.0,
        sensor_noise=4.0,
        exercise_chance=0.35,
        exercise_effect=1.2,
        gaps_per_day=1.0,
        calibrations_per_session=0.0,
        alerts=AlertThresholds(high=250, low=72, rise=None, fall=None),
    ),
    UserProfile(
        name="SandboxUser3",
        number=3,
        description="G6 with a receiver, older adult, stable, reports 40/400 bounds",
        generation="g6",
        unit="mg/dL",
        utc_offset_minutes=-5 * 60,
        display_device="receiver",
        display_app="Receiver",
        display_time_with_offset=False,
        display_clock_drift_seconds=137,
        out_of_range_as_null=False,
        event_values_as_strings=True,
        event_times_without_seconds=False,
        logs_events=False,
        multiple_daily_injections=True,
        base=128.0,
        carb_sensitivity=3.2,
        insulin_sensitivity=40.0,
        meal_scale=0.8,
        bolus_bias=-0.05,
        bolus_error=0.12,
        missed_bolus=0.02,
        snack_chance=0.2,
        dawn=15.0,
        drift=18.0,
        wobble=5.0,
        sensor_noise=2.5,
        exercise_chance=0.1,
        exercise_effect=0.6,
        gaps_per_day=0.4,
        calibrations_per_session=1.0,
        alerts=AlertThresholds(
            high=250, low=80, rise=None, fall=None, no_readings=None
        ),
    ),
    UserProfile(
        name="SandboxUser4",
        number=4,
        description="G6 on iPhone, brittle: frequent lows and highs, beyond 40 and 400",
        generation="g6",
        unit="mg/dL",
        utc_offset_minutes=-6 * 60,
        display_device="iOS",
        display_app="G6",
        display_time_with_offset=False,
        display_clock_drift_seconds=0,
        out_of_range_as_null=True,
        event_values_as_strings=False,
        event_times_without_seconds=False,
        logs_events=True,
        multiple_daily_injections=True,
        base=122.0,
        carb_sensitivity=5.0,
        insulin_sensitivity=50.0,
        meal_scale=1.3,
        bolus_bias=0.18,
        bolus_error=0.5,
        missed_bolus=0.1,
        snack_chance=0.6,
        dawn=45.0,
        drift=55.0,
        wobble=14.0,
        sensor_noise=5.0,
        exercise_chance=0.3,
        exercise_effect=1.6,
        gaps_per_day=2.5,
        calibrations_per_session=0.5,
        alerts=AlertThresholds(
            high=200, low=70, rise=2.0, fall=2.0, night_schedule=True
        ),
        settings_quirks=True,
    ),
    UserProfile(
        name="SandboxUser5",
        number=5,
        description="G7 on Android, athlete with exercise dips, mmol/L account",
        generation="g7",
        unit="mmol/L",
        utc_offset_minutes=10 * 60,
        display_device="android",
        display_app="G7Android",
        display_time_with_offset=True,
        display_clock_drift_seconds=0,
        out_of_range_as_null=False,
        event_values_as_strings=True,
        event_times_without_seconds=True,
        logs_events=True,
        multiple_daily_injections=False,
        base=100.0,
        carb_sensitivity=3.5,
        insulin_sensitivity=55.0,
        meal_scale=1.1,
        bolus_bias=0.05,
        bolus_error=0.18,
        missed_bolus=0.04,
        snack_chance=0.5,
        dawn=15.0,
        drift=20.0,
        wobble=7.0,
        sensor_noise=3.5,
        exercise_chance=0.8,
        exercise_effect=1.2,
        gaps_per_day=0.8,
        calibrations_per_session=0.0,
        alerts=AlertThresholds(high=200, low=65, rise=None, fall=3.0),
    ),
    UserProfile(
        name="SandboxUser6",
        number=6,
        description="G6 on iPhone, calibrates often, 40/400 bounds for out-of-range",
        generation="g6",
        unit="mg/dL",
        utc_offset_minutes=-5 * 60,
        display_device="iOS",
        display_app="G6",
        display_time_with_offset=False,
        display_clock_drift_seconds=0,
        out_of_range_as_null=False,
        event_values_as_strings=False,
        event_times_without_seconds=False,
        logs_events=True,
        multiple_daily_injections=True,
        base=118.0,
        carb_sensitivity=4.5,
        insulin_sensitivity=45.0,
        meal_scale=1.0,
        bolus_bias=0.05,
        bolus_error=0.26,
        missed_bolus=0.08,
        snack_chance=0.4,
        dawn=30.0,
        drift=30.0,
        wobble=9.0,
        sensor_noise=4.0,
        exercise_chance=0.2,
        exercise_effect=1.0,
        gaps_per_day=1.2,
        calibrations_per_session=4.0,
        alerts=AlertThresholds(
            high=220, low=75, rise=3.0, fall=3.0, night_schedule=True
        ),
    ),
    UserProfile(
        name="SandboxUser7",
        number=7,
        description="G7 on iPhone, average control",
        generation="g7",
        unit="mg/dL",
        utc_offset_minutes=-7 * 60,
        display_device="iOS",
        display_app="G7",
        display_time_with_offset=False,
        display_clock_drift_seconds=0,
        out_of_range_as_null=True,
        event_values_as_strings=False,
        event_times_without_seconds=False,
        logs_events=True,
        multiple_daily_injections=False,
        base=112.0,
        carb_sensitivity=4.2,
        insulin_sensitivity=48.0,
        meal_scale=1.0,
        bolus_bias=0.06,
        bolus_error=0.22,
        missed_bolus=0.06,
        snack_chance=0.5,
        dawn=25.0,
        drift=28.0,
        wobble=8.0,
        sensor_noise=3.5,
        exercise_chance=0.3,
        exercise_effect=1.0,
        gaps_per_day=0.8,
        calibrations_per_session=0.0,
        alerts=AlertThresholds(high=200, low=70, rise=3.0, fall=3.0),
    ),
)

USER_NAMES: tuple[str, ...] = tuple(profile.name for profile in PROFILES)
_BY_NAME = {profile.name: profile for profile in PROFILES}


def profile_for(name: str) -> UserProfile | None:
    """Return the profile of a sandbox user by name, or None."""
    return _BY_NAME.get(name)
