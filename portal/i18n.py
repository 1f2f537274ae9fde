"""Locale selection, and the sentences for domain codes and enums (lazy_gettext)."""

from flask import current_app, g, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from gis.lighting.models import LampTechnology, LightStatus
from gis.sanitation.models import ContainerKind

# Formatting locales: Moroccan variants write Western digits and Moroccan month names.
FORMAT_LOCALES = {"ar": "ar_MA", "fr": "fr_MA"}
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français"}


def normalise_language(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:2]
    return value if value in current_app.config["LANGUAGES"] else None


def select_language() -> str:
    """The user's saved preference, then the switch cookie, then Accept-Language, then Arabic."""
    if current_user and current_user.is_authenticated:
        chosen = normalise_language(current_user.locale)
        if chosen:
            return chosen
    return request_language()


def request_language() -> str:
    """The switch cookie, then Accept-Language, then Arabic: what the request alone says, no user loaded."""
    chosen = normalise_language(request.cookies.get(current_app.config["LOCALE_COOKIE_NAME"]))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    """Flask-Babel's locale selector (cached per request)."""
    if "language" not in g:
        g.language = select_language()
    return FORMAT_LOCALES[g.language]


def current_language() -> str:
    return str(get_locale()).split("_")[0]


def text_direction() -> str:
    return "rtl" if current_language() == "ar" else "ltr"


def localized(obj, attribute: str = "name") -> str:
    """The Arabic or French value of a bilingual field (name_ar / name_fr)."""
    language = current_language()
    value = getattr(obj, f"{attribute}_{language}", None)
    return value or getattr(obj, f"{attribute}_fr" if language == "ar" else f"{attribute}_ar", "")


ROLE_LABELS = {
    "citizen": _l("Citizen"),
    "agent": _l("Agent"),
    "supervisor": _l("Head of department"),
    "mayor_office": _l("Mayor's office"),
    "admin": _l("Administrator"),
}

KIND_LABELS = {
    "certificate": _l("Certificate"),
    "complaint": _l("Complaint or suggestion"),
    "request": _l("Request"),
    "report": _l("Report a problem"),
}

# The workflow's states, as the citizen and staff read them.
STATUS_LABELS = {
    "pending_confirmation": _l("Waiting for your confirmation"),
    "new": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "assigned": _l("Assigned to an agent"),
    "in_progress": _l("In progress"),
    "waiting_citizen": _l("Waiting for a document from you"),
    "resolved": _l("Resolved"),
    "approved": _l("Approved, document issued"),
    "rejected": _l("Rejected"),
    "closed": _l("Closed"),
    "duplicate": _l("Closed as a duplicate"),
}


# The same states as staff read them: "from you" in the citizen's labels would mean the agent.
STAFF_STATUS_LABELS = {
    **STATUS_LABELS,
    "pending_confirmation": _l("Email address not confirmed yet"),
    "waiting_citizen": _l("Waiting for the citizen's document"),
}


def status_label(code: str, *, staff: bool = False) -> str:
    return str((STAFF_STATUS_LABELS if staff else STATUS_LABELS).get(code, code))


# History entries, as the citizen reads them.
ACTION_LABELS = {
    "filed": _l("Request received"),
    "confirm": _l("Email address confirmed"),
    "acknowledge": _l("Acknowledged by the department"),
    "assign": _l("Assigned to an agent"),
    "start": _l("Work started"),
    "request_document": _l("The department asks for a document"),
    "provide_document": _l("You answered"),
    "resolve": _l("Resolved"),
    "approve": _l("Approved, document issued"),
    "reject": _l("Rejected"),
    "close": _l("Closed"),
    "close_without_action": _l("Closed without action"),
    "reopen": _l("Reopened"),
    "merge": _l("Joined to an earlier report of the same problem"),
    "rated": _l("You rated the outcome"),
    "message": _l("Message from the department"),
    "revoke_certificate": _l("Certificate revoked"),
    # Staff read these; the citizen sees a re-routing only when told, and a moved deadline always.
    "note": _l("Internal note"),
    "reroute": _l("Sent to another department"),
    "unassign": _l("Back in the department's queue"),
    "merged_in": _l("A duplicate report was joined to this one"),
    "deadline_moved": _l("Deadline moved by a declared holiday"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def mask_email(email: str | None) -> str:
    """a•••@example.org: enough for its owner to recognise, not enough to collect."""
    if not email or "@" not in email:
        return ""
    local_part, domain = email.split("@", 1)
    return f"{local_part[:1]}•••@{domain}"


# Sentences for the codes that services/ raise. Parameters come from the error.
ERROR_MESSAGES = {
    "period_reversed": _l("The end of the period must not come before its start."),
    "period_too_long": _l("Choose a period of at most %(max)s days."),
    "period_dates_missing": _l("Give both dates of the period, as year-month-day."),
    "error": _l("Something went wrong. Please try again."),
    "not_found": _l("This page or item does not exist."),
    "not_allowed": _l("You are not allowed to do this."),
    "invalid": _l("The information you entered is not valid."),
    "conflict": _l("This item was changed by someone else. Please reload and try again."),
    "email_invalid": _l("Enter a valid email address, like name@example.com."),
    "email_taken": _l("An account already exists with this email address."),
    "cnie_invalid": _l("Enter your CNIE number as on your card: one or two letters then digits, like AB123456."),
    "cnie_taken": _l("An account already exists with this CNIE number."),
    "phone_invalid": _l("Enter a valid phone number, like 06 12 34 56 78."),
    "name_required": _l("Enter your full name."),
    "name_too_long": _l("Your name must be %(max)s characters or fewer."),
    "name_invalid": _l("Your name contains characters that are not allowed."),
    "password_too_short": _l("Your password must be at least %(min)s characters long."),
    "password_too_long": _l("Your password must be %(max)s characters or fewer."),
    "password_too_weak": _l("This password is too easy to guess. Choose a longer or less repetitive one."),
    "password_unchanged": _l("The new password must be different from the current one."),
    "current_password_wrong": _l("Your current password is not correct."),
    "bad_credentials": _l("The email address or password is not correct."),
    "account_inactive": _l("This account has been deactivated. Contact the commune."),
    "locale_unknown": _l("Choose Arabic or French."),
    "role_unknown": _l("Choose a role from the list."),
    "department_required": _l("Agents and heads of department must belong to a department."),
    "department_unknown": _l("Choose an active department from the list."),
    "department_not_found": _l("This department does not exist."),
    "department_code_invalid": _l("Use lower-case letters, digits and hyphens for the code."),
    "department_code_taken": _l("Another department already uses this code."),
    "department_has_staff": _l("This department still has %(count)s active staff members. Move them first."),
    "name_ar_required": _l("Enter the name in Arabic."),
    "name_fr_required": _l("Enter the name in French."),
    "user_not_found": _l("This user does not exist."),
    "cannot_demote_self": _l("You cannot remove your own administrator role or deactivate yourself."),
    "citizen_role_fixed": _l("Citizen accounts stay citizen accounts; create a separate staff account."),
    "population_negative": _l("The population cannot be negative."),
    "district_geometry_invalid": _l("The district boundary is not a valid polygon."),
    "district_not_found": _l("This district does not exist."),
    "fill_threshold_invalid": _l("Give the fill level as a percentage from 0 to 100."),
    "depot_not_found": _l("This depot does not exist."),
    "container_not_found": _l("A container of the round no longer exists: go back to the list and plan it again."),
    "round_empty": _l("Tick at least one container to plan a round."),
    "round_too_many_stops": _l("A round visits %(max)s containers at most: untick some of them."),
    "hotspot_radius_invalid": _l("Give the distance in metres, from 1 to %(max)s."),
    "hotspot_min_reports_invalid": _l("A hotspot has from 2 to %(max)s reports at least."),
    "hotspot_days_invalid": _l("Give the period in days, from 1 to %(max)s."),
    "coverage_min_departures_invalid": _l("Give a whole number of times, from 0 to %(max)s."),
    "import_layer_unknown": _l("This map layer does not exist."),
    "import_mapping_invalid": _l("Write each field mapping as field=column."),
    "import_field_unknown": _l("The mapping names a field that this map layer does not have."),
    "import_column_missing": _l("The mapping names a column that is not in the file."),
    "import_file_unreadable": _l("This file cannot be read as GeoJSON, Shapefile, GeoPackage or CSV."),
    "import_crs_unknown": _l("The coordinate system of the file is not known."),
    "import_encoding_unknown": _l("This character set is not known: give one like utf-8 or cp1256."),
    "import_crs_conflict": _l("The coordinate system given does not match the one the file declares."),
    "import_has_problems": _l("Some features of the file are not valid: nothing was imported."),
    "export_format_unknown": _l("Export to a GeoJSON (.geojson) or CSV (.csv) file."),
    "gtfs_unreadable": _l("This file cannot be read as a GTFS feed: it is not a zip archive."),
    "gtfs_invalid": _l("The GTFS feed has problems: nothing was imported."),
    "transport_network_empty": _l("There is no bus network to export yet: import a GTFS feed first."),
    "service_not_found": _l("This e-service does not exist or is no longer offered."),
    "service_code_invalid": _l("Use lower-case letters, digits and hyphens for the code."),
    "service_kind_unknown": _l("Choose the kind of service from the list."),
    "text_too_long": _l("This text must be %(max)s characters or fewer."),
    "fee_invalid": _l("Enter the fee in dirhams, for example 0 or 20.50."),
    "delay_invalid": _l("Enter the legal deadline as a whole number."),
    "delay_beyond_law": _l("The legal deadline must be between 1 and %(max)s: Law 55-19 allows 60 days at most."),
    "documents_need_both_languages": _l("Give each required document in Arabic and in French."),
    "asset_layer_unknown": _l("Choose a map layer from the list."),
    "field_malformed": _l("Form field %(position)s is not readable."),
    "field_name_invalid": _l("Form field %(position)s needs a name of lower-case letters, digits and underscores."),
    "field_type_unknown": _l("Form field %(position)s has an unknown type."),
    "field_label_required": _l("Form field %(position)s needs a label in Arabic and in French."),
    "field_choices_required": _l("Form field %(position)s needs at least two different choices."),
    "field_pattern_invalid": _l("The pattern of form field %(position)s is not a valid regular expression."),
    "field_range_invalid": _l("The minimum of form field %(position)s is greater than its maximum."),
    "field_file_types_invalid": _l("Form field %(position)s accepts only JPEG, PNG and PDF files."),
    "field_file_limits_invalid": _l("Form field %(position)s allows 1 to 5 files of 1 to 10 MB."),
    "field_name_duplicate": _l("Two form fields have the same name."),
    "answer_required": _l("Answer this question."),
    "answer_too_short": _l("Write at least %(min)s characters."),
    "answer_too_long": _l("Write %(max)s characters or fewer."),
    "answer_pattern": _l("This answer is not in the expected format."),
    "answer_invalid_characters": _l("Remove the invisible control characters from this answer."),
    "number_invalid": _l("Enter a number, like 3 or 12.5."),
    "number_too_small": _l("Enter a number of at least %(min)s."),
    "number_too_large": _l("Enter a number of at most %(max)s."),
    "date_invalid": _l("Enter a real date as year-month-day, like 2026-03-27."),
    "choice_required": _l("Choose one of the options."),
    "choice_invalid": _l("Choose one of the options shown."),
    "file_required": _l("Choose a file to send."),
    "too_many_files": _l("Send %(max)s files at most."),
    "file_empty": _l("The file is empty."),
    "file_too_large": _l("Each file must be %(max_mb)s MB or smaller."),
    "file_type_not_allowed": _l("This file is not accepted: send %(types)s only."),
    "file_unreadable": _l("This file is damaged or is not really a photo or a PDF."),
    "file_encrypted": _l("This PDF is protected by a password: send an unprotected copy."),
    "location_required": _l("Say where it is: choose the district and describe the place."),
    "location_invalid": _l("The point on the map could not be read. Click on the map again, or choose the district."),
    "location_outside_commune": _l("This point is outside the commune of Berkane."),
    "asset_unknown": _l("No street light, container or bus stop has this reference. Check the code printed on it."),
    "light_unknown": _l("This street light is not in the inventory."),
    "light_status_unknown": _l("Choose a state from the list."),
    "cabinet_unknown": _l("This cabinet is not in the inventory."),
    "dimming_invalid": _l("Give each step a start and an end time that differ, and a power between 0 and 100 %."),
    "dimming_too_many_steps": _l("A schedule has at most %(max)s steps."),
    "reading_not_a_number": _l("Enter the index shown on the meter, in kWh, like 15230.5."),
    "reading_goes_back": _l("This index is lower than an earlier reading (or higher than a later one)."),
    "reading_in_future": _l("A reading cannot be in the future."),
    "district_required": _l("Choose the district."),
    "district_unknown": _l("Choose a district from the list."),
    "address_required": _l("Enter the address or a landmark nearby."),
    "form_expired": _l("This form has expired. Reload the page and send it again."),
    "form_already_used": _l("This form was already sent. Start again from the service page."),
    "staff_cannot_file": _l("Staff accounts cannot file requests as citizens."),
    "certificate_needs_cnie": _l("Add your CNIE number to your account to ask for a certificate."),
    "sign_in_to_file": _l("Sign in to file this request: it needs to know who you are."),
    "confirmation_link_invalid": _l("This confirmation link is not valid or was already used."),
    "confirmation_link_expired": _l("This confirmation link has expired: please file your report again."),
    "request_not_found": _l("No request of yours has this number."),
    "tracking_lookup_failed": _l(
        "No request matches this tracking number and secret code. Check both on your receipt."
    ),
    "not_your_request": _l("This request is not yours."),
    "other_department": _l("This request belongs to another department."),
    "transition_unknown": _l("This action does not exist."),
    "transition_not_allowed": _l("This action is not possible at this stage of the request."),
    "transition_not_yours": _l("You are not allowed to take this action."),
    "document_already_requested": _l("A missing document was already asked for once: the law allows only one request."),
    "reopen_too_late": _l("A request can be reopened only within 7 days of its resolution."),
    "note_required": _l("Write a few words: this is required here."),
    "rating_not_yet": _l("You can rate a request once a decision has been made."),
    "already_rated": _l("You have already rated this request."),
    "rating_invalid": _l("Choose a rating from 1 to 5."),
    "only_the_citizen_rates": _l("Only the person who filed the request can rate it."),
    "staff_account_not_deletable": _l("Staff accounts are closed by an administrator, not deleted."),
    "not_a_certificate": _l("Only a certificate request can be approved with a signed document."),
    "certificate_already_issued": _l("A certificate was already issued for this request."),
    "certificate_unknown": _l("No document was issued with this verification code."),
    "certificate_revoke_not_allowed": _l(
        "Only an administrator or a supervisor of the issuing department can revoke a certificate."
    ),
    "certificate_already_revoked": _l("This certificate is already revoked."),
    "notification_kind_unknown": _l("This kind of email does not exist."),
    "notification_context_invalid": _l("The details of this email cannot be stored."),
    "message_not_found": _l("This email is not in the outbox."),
    "message_not_pending": _l("This email is not waiting to be sent."),
    "message_already_sent": _l("This email has already been sent."),
    "service_code_taken": _l("Another e-service already uses this code."),
    "field_choice_incomplete": _l(
        "Each choice of form field %(position)s needs a value, an Arabic label and a French label."
    ),
    "target_invalid": _l("Enter the internal target as a whole number."),
    "target_beyond_delay": _l("The internal target must be positive and no longer than the legal delay."),
    "holiday_exists": _l("This day is already a declared holiday."),
    "holiday_not_found": _l("This holiday does not exist."),
    "decree_required": _l("Cite the decree or communiqué that declares this day off."),
    "staff_only": _l("Only the staff of the department handling this request can do this."),
    "request_changed": _l(
        "Someone else changed this request while you were working on it. "
        "The page now shows its current state: check it, then do your action again."
    ),
    "assignee_not_in_department": _l("Choose an active agent or supervisor of the department handling this request."),
    "agents_assign_themselves": _l("An agent can only take a request for themself; a supervisor assigns to others."),
    "already_assigned": _l("This request is already assigned to this person."),
    "only_supervisors_bulk_assign": _l("Only a supervisor can assign several requests at once."),
    "selection_invalid": _l("The selection is not valid. Reload the queue and select again."),
    "selection_empty": _l("Select at least one request."),
    "selection_too_large": _l("Select at most %(max)s requests at once."),
    "bulk_assign_refused": _l("Request %(number)s cannot be assigned in its current state; nothing was assigned."),
    "only_supervisors_reroute": _l("Only a supervisor can send a request to another department."),
    "reroute_same_department": _l("Choose a department other than the one handling the request now."),
    "template_unknown": _l("Choose one of the templates offered for this department."),
    "request_is_closed": _l("This request is closed: no more messages can be written on it."),
    "appeal_route_missing": _l(
        "No statement of the appeal route is active, and a rejection must state it. Ask an administrator to add one."
    ),
    "reason_required": _l("Give the reason for the rejection: choose a template, write it, or both."),
    "merge_into_itself": _l("A request cannot be a duplicate of itself."),
    "merge_master_closed": _l("Request %(number)s is closed or is itself a duplicate; choose an open request."),
    "merge_other_service": _l("Request %(number)s is about another e-service; only the same problem can be merged."),
    "merge_has_duplicates": _l(
        "Other requests were merged into this one and follow it: merge request %(number)s into it instead."
    ),
    "merge_master_unknown": _l("No open request of your department has this number."),
    "template_not_found": _l("This template does not exist."),
    "template_kind_unknown": _l("Choose what the text is for from the list."),
    "title_ar_required": _l("Enter the title in Arabic."),
    "title_fr_required": _l("Enter the title in French."),
    "body_ar_required": _l("Enter the text in Arabic."),
    "body_fr_required": _l("Enter the text in French."),
    "bbox_invalid": _l(
        "Give the area as bbox=west,south,east,north in degrees, west before east and south before north, "
        "like bbox=-2.34,34.91,-2.30,34.94."
    ),
    "limit_invalid": _l("The limit must be a whole number from 1 to %(max)s."),
    "offset_invalid": _l("The offset must be a whole number, 0 or more."),
    "zoom_invalid": _l("Give the zoom level as a whole number from 0 to %(max)s."),
    "layer_unknown": _l("This map layer does not exist."),
    "layer_not_clusterable": _l("Only layers of points can be grouped into clusters."),
    "tile_invalid": _l("This map tile does not exist: the zoom goes from 0 to %(max)s."),
    # OGC API - Features (/ogcapi)
    "parameter_unknown": _l("The parameter %(name)s is not one this address understands."),
    "format_unsupported": _l("Ask for f=json or f=html."),
    "collection_unknown": _l("This collection does not exist."),
    "feature_unknown": _l("This collection has no feature with this identifier."),
    "crs_unsupported": _l("This coordinate reference system is not offered. Choose one of: %(crs)s."),
    "bbox_invalid_in_crs": _l(
        "Give the area as bbox=four numbers in the axis order and units of bbox-crs, the lower corner first."
    ),
    "page_limit_invalid": _l("The limit must be a whole number, 1 or more (a page holds at most %(max)s features)."),
    "datetime_invalid": _l(
        "Give a date (2025-03-01), a date and time (2025-03-01T08:30:00Z) or an interval of two of them separated "
        "by a slash, either end open (..), the earlier first."
    ),
    "filter_value_invalid": _l("The value of %(name)s must be a whole number."),
    "last_appeal_route": _l(
        "This is the only active statement of the appeal route for the whole commune, and every rejection must "
        "quote one. Add or activate another one first, or correct this one instead."
    ),
    "open_data_year_invalid": _l("Choose a year from %(first)s to %(last)s, or none for every year."),
}


def error_message(code: str, **params) -> str:
    message = ERROR_MESSAGES.get(code, ERROR_MESSAGES["error"])
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


# What is wrong with a row (or a whole file) of a GTFS feed, by the importer's codes (gis.transport.gtfs.reading).
GTFS_PROBLEMS = {
    "file_missing": _l("this required file is missing from the zip"),
    "calendar_missing": _l("the feed needs calendar.txt or calendar_dates.txt, and has neither"),
    "file_empty": _l("this required file has no rows"),
    "file_unreadable": _l("the file cannot be read as CSV"),
    "encoding_invalid": _l("the file is not written in UTF-8"),
    "column_missing": _l("this required column is missing"),
    "row_length": _l("the row has %(found)s values where the header names %(expected)s columns"),
    "required": _l("a value is required"),
    "too_long": _l("the value is longer than %(max)s characters"),
    "whole_number_invalid": _l("“%(value)s” is not a whole number"),
    "number_invalid": _l("“%(value)s” is not a number"),
    "too_small": _l("“%(value)s” is less than %(min)s"),
    "choice_invalid": _l("“%(value)s” is not one of the values GTFS allows here"),
    "latitude_invalid": _l("“%(value)s” is not a latitude (from -90 to 90)"),
    "longitude_invalid": _l("“%(value)s” is not a longitude (from -180 to 180)"),
    "time_invalid": _l("“%(value)s” is not a time HH:MM:SS (hours may pass 24)"),
    "date_invalid": _l("“%(value)s” is not a date YYYYMMDD"),
    "color_invalid": _l("“%(value)s” is not a colour of six hexadecimal digits, like 1565C0"),
    "timezone_unknown": _l("“%(value)s” is not a known time zone, like Africa/Casablanca"),
    "id_duplicate": _l("“%(value)s” is already used in row %(first)s"),
    "reference_unknown": _l("no row of %(target)s has the id “%(value)s”"),
    "route_name_missing": _l("a route needs a short name or a long name"),
    "dates_not_ordered": _l("the end date is before the start date"),
    "window_not_ordered": _l("the end time is not after the start time"),
    "arrival_after_departure": _l("the departure time is before the arrival time"),
    "time_pair_incomplete": _l("give both the arrival and the departure time, or neither"),
    "trip_edge_time_missing": _l("the first and the last stop of a trip need their arrival and departure times"),
    "time_goes_back": _l("this time is earlier than the time in row %(previous)s, an earlier stop of the trip"),
    "shape_too_short": _l("the shape “%(value)s” has fewer than two points"),
    "row_extra": _l("feed_info.txt holds a single row"),
}


def gtfs_problem(code: str, **params) -> str:
    message = GTFS_PROBLEMS.get(code)
    if message is None:
        return code
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return str(message)


# Labels of the GIS layers' codes (lights, lamps, containers), shared by the map, staff and sanitation pages.
LIGHT_STATUS_LABELS = {
    LightStatus.WORKING.value: _l("Working"),
    LightStatus.OUT.value: _l("Out"),
    LightStatus.FLICKERING.value: _l("Flickering"),
    LightStatus.DAY_BURNING.value: _l("Burning by day"),
    LightStatus.DAMAGED.value: _l("Damaged"),
}
TECHNOLOGY_LABELS = {
    LampTechnology.LED.value: _l("LED"),
    LampTechnology.HPS.value: _l("High-pressure sodium"),
    LampTechnology.METAL_HALIDE.value: _l("Metal halide"),
}
CONTAINER_KIND_LABELS = {
    ContainerKind.HOUSEHOLD.value: _l("Household waste"),
    ContainerKind.RECYCLING.value: _l("Recycling"),
    ContainerKind.GLASS.value: _l("Glass"),
    ContainerKind.GREEN.value: _l("Garden waste"),
}
