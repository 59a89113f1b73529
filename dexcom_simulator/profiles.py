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
    """One simulated user: the defaults are a typical adult on an iPhone G6 in mg/dL.

    The physiology numbers feed the glucose model in `physiology.py`: base level,
    how strongly carbohydrates raise glucose, how well boluses match meals, and
    how much slow drift, fast wobble and sensor noise there is.
    """

    number: int
    description: str
    utc_offset_minutes: int
    alerts: AlertThresholds
    # The device and how the account's data comes out of the API.
    generation: Generation = "g6"
    unit: DisplayUnit = "mg/dL"
    display_device: str = "iOS"
    display_app: str = "G6"
    display_time_with_offset: bool = False
    display_clock_drift_seconds: int = 0
    out_of_range_as_null: bool = True
    event_values_as_strings: bool = False
    event_times_without_seconds: bool = False
    logs_events: bool = True
    multiple_daily_injections: bool = True
    # How the user's glucose behaves.
    base: float = 118.0
    carb_sensitivity: float = 5.0
    insulin_sensitivity: float = 45.0
    meal_scale: float = 1.0
    bolus_bias: float = 0.06
    bolus_error: float = 0.16
    missed_bolus: float = 0.08
    snack_chance: float = 0.4
    dawn: float = 15.0
    drift: float = 22.0
    wobble: float = 7.0
    sensor_noise: float = 4.0
    exercise_chance: float = 0.3
    exercise_effect: float = 1.0
    gaps_per_day: float = 0.8
    calibrations_per_session: float = 0.0
    # Alert settings with production quirks (Tidepool's notes): a negative fall
    # value, a snooze of 28, an empty and a repeated day in daysOfWeek.
    settings_quirks: bool = False

    @property
    def name(self) -> str:
        """The sandbox user's name, as the login page lists it."""
        return f"SandboxUser{self.number}"

    @property
    def utc_offset_seconds(self) -> int:
        """Offset of the user's local time from UTC."""
        return self.utc_offset_minutes * 60

    @property
    def warmup_seconds(self) -> int:
        """Sensor warm-up without readings: G6 two hours, G7 thirty minutes."""
        return 7200 if self.generation == "g6" else 1800


# Each user as their differences from the defaults above.
PROFILES: tuple[UserProfile, ...] = (
    UserProfile(
        number=1,
        description="G6 on iPhone, well controlled adult, logs meals and insulin",
        utc_offset_minutes=-8 * 60,
        multiple_daily_injections=False,
        base=105.0,
        carb_sensitivity=4.0,
        missed_bolus=0.03,
        dawn=20.0,
        sensor_noise=3.0,
        exercise_chance=0.25,
        gaps_per_day=0.6,
        calibrations_per_session=0.5,
        alerts=AlertThresholds(
            high=180, low=70, rise=3.0, fall=3.0, night_schedule=True
        ),
    ),
    UserProfile(
        number=2,
        description="G7 on Android, teenager with large swings, mmol/L account",
        generation="g7",
        unit="mmol/L",
        utc_offset_minutes=60,
        display_device="android",
        display_app="G7Android",
        display_time_with_offset=True,
        insulin_sensitivity=50.0,
        meal_scale=1.1,
        bolus_bias=0.0,
        bolus_error=0.3,
        snack_chance=0.7,
        dawn=35.0,
        drift=35.0,
        wobble=10.0,
        exercise_chance=0.35,
        exercise_effect=1.2,
        gaps_per_day=1.0,
        alerts=AlertThresholds(high=250, low=72, rise=None, fall=None),
    ),
    UserProfile(
        number=3,
        description="G6 with a receiver, older adult, stable, reports 40/400 bounds",
        utc_offset_minutes=-5 * 60,
        display_device="receiver",
        display_app="Receiver",
        display_clock_drift_seconds=137,
        out_of_range_as_null=False,
        event_values_as_strings=True,
        logs_events=False,
        base=128.0,
        carb_sensitivity=3.2,
        insulin_sensitivity=40.0,
        meal_scale=0.8,
        bolus_bias=-0.05,
        bolus_error=0.12,
        missed_bolus=0.02,
        snack_chance=0.2,
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
        number=4,
        description="G6 on iPhone, brittle: frequent lows and highs, beyond 40 and 400",
        utc_offset_minutes=-6 * 60,
        base=122.0,
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
        exercise_effect=1.6,
        gaps_per_day=2.5,
        calibrations_per_session=0.5,
        alerts=AlertThresholds(
            high=200, low=70, rise=2.0, fall=2.0, night_schedule=True
        ),
        settings_quirks=True,
    ),
    UserProfile(
        number=5,
        description="G7 on Android, athlete with exercise dips, mmol/L account",
        generation="g7",
        unit="mmol/L",
        utc_offset_minutes=10 * 60,
        display_device="android",
        display_app="G7Android",
        display_time_with_offset=True,
        out_of_range_as_null=False,
        event_values_as_strings=True,
        event_times_without_seconds=True,
        multiple_daily_injections=False,
        base=100.0,
        carb_sensitivity=3.5,
        insulin_sensitivity=55.0,
        meal_scale=1.1,
        bolus_bias=0.05,
        bolus_error=0.18,
        missed_bolus=0.04,
        snack_chance=0.5,
        drift=20.0,
        sensor_noise=3.5,
        exercise_chance=0.8,
        exercise_effect=1.2,
        alerts=AlertThresholds(high=200, low=65, rise=None, fall=3.0),
    ),
    UserProfile(
        number=6,
        description="G6 on iPhone, calibrates often, 40/400 bounds for out-of-range",
        utc_offset_minutes=-5 * 60,
        out_of_range_as_null=False,
        carb_sensitivity=4.5,
        bolus_bias=0.05,
        bolus_error=0.26,
        dawn=30.0,
        drift=30.0,
        wobble=9.0,
        exercise_chance=0.2,
        gaps_per_day=1.2,
        calibrations_per_session=4.0,
        alerts=AlertThresholds(
            high=220, low=75, rise=3.0, fall=3.0, night_schedule=True
        ),
    ),
    UserProfile(
        number=7,
        description="G7 on iPhone, average control",
        generation="g7",
        utc_offset_minutes=-7 * 60,
        display_app="G7",
        multiple_daily_injections=False,
        base=112.0,
        carb_sensitivity=4.2,
        insulin_sensitivity=48.0,
        bolus_error=0.22,
        missed_bolus=0.06,
        snack_chance=0.5,
        dawn=25.0,
        drift=28.0,
        wobble=8.0,
        sensor_noise=3.5,
        alerts=AlertThresholds(high=200, low=70, rise=3.0, fall=3.0),
    ),
)

USER_NAMES: tuple[str, ...] = tuple(profile.name for profile in PROFILES)
_BY_NAME = {profile.name: profile for profile in PROFILES}


def profile_for(name: str) -> UserProfile | None:
    """Return the profile of a sandbox user by name, or None."""
    return _BY_NAME.get(name)
