#!/usr/bin/env python3
"""Write Content/cities/<id>.yaml for every mission city.

Usage (from anywhere):

    python3 scripts/make_cities.py [PATH/TO/mission-cities.tsv]

Without an argument the table is read from ../shared/data/mission-cities.tsv
relative to the repository root. One YAML file is written per row of the
table; city files that are no longer in the table are removed. The output is
deterministic: the same table always gives byte-identical files.

Columns used (see the data README): id, name_native, name_en, country_iso2,
mission_label_year, pilot_city, latitude, longitude, population, geonames_id,
source.
"""

import csv
import json
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TSV = os.path.join(REPO_ROOT, "..", "shared", "data", "mission-cities.tsv")
OUTPUT_DIR = os.path.join(REPO_ROOT, "Content", "cities")
LANGUAGES = ("en", "pl", "sl", "ro")
TARGET_YEAR = 2030

HEADER_GEONAMES = "# Facts from GeoNames (CC BY 4.0) and the public sources listed below."
HEADER_SOURCES = "# Facts from the public sources listed below."

REQUIRED_COLUMNS = (
    "id", "name_native", "name_en", "country_iso2", "mission_label_year",
    "pilot_city", "latitude", "longitude", "population", "geonames_id", "source",
)

# English names that should differ from the table's plain name_en.
ENGLISH_NAMES = {
    "bucuresti-sector-2": "Bucharest – Sector 2",
}

# Well-established exonyms for the Polish, Slovenian and Romanian mission
# cities, in the portal's languages. A language is listed only where its name
# differs from the city's own name.
EXONYMS = {
    "krakow": {"ro": "Cracovia", "sl": "Krakov"},
    "warszawa": {"ro": "Varșovia", "sl": "Varšava"},
    "wroclaw": {"sl": "Vroclav"},
    "ljubljana": {"pl": "Lublana"},
    "cluj-napoca": {"pl": "Kluż-Napoka"},
    "bucuresti-sector-2": {"pl": "Bukareszt – Sektor 2", "sl": "Bukarešta – Sektor 2"},
    "suceava": {"pl": "Suczawa"},
}

# One plain sentence per language for the cities covered by the portal's
# national hubs, from the facts in the portal's source documents.
SUMMARIES = {
    "krakow": {
        "en": "Kraków is one of the five Polish cities in the EU Mission for 100 Climate-Neutral and Smart Cities by 2030, together with Łódź, Rzeszów, Warsaw and Wrocław.",
        "pl": "Kraków jest jednym z pięciu polskich miast uczestniczących w Misji UE na rzecz 100 neutralnych dla klimatu i inteligentnych miast do 2030 r., obok Łodzi, Rzeszowa, Warszawy i Wrocławia.",
        "sl": "Krakov je eno od petih poljskih mest v misiji EU 100 podnebno nevtralnih in pametnih mest do leta 2030; ostala štiri so Łódź, Rzeszów, Varšava in Vroclav.",
        "ro": "Cracovia este unul dintre cele cinci orașe poloneze din Misiunea UE pentru 100 de orașe inteligente și neutre din punct de vedere climatic până în 2030, alături de Łódź, Rzeszów, Varșovia și Wrocław.",
    },
    "lodz": {
        "en": "Łódź is one of the five Polish cities in the EU Mission for 100 Climate-Neutral and Smart Cities by 2030, together with Kraków, Rzeszów, Warsaw and Wrocław.",
        "pl": "Łódź jest jednym z pięciu polskich miast uczestniczących w Misji UE na rzecz 100 neutralnych dla klimatu i inteligentnych miast do 2030 r., obok Krakowa, Rzeszowa, Warszawy i Wrocławia.",
        "sl": "Łódź je eno od petih poljskih mest v misiji EU 100 podnebno nevtralnih in pametnih mest do leta 2030; ostala štiri so Krakov, Rzeszów, Varšava in Vroclav.",
        "ro": "Łódź este unul dintre cele cinci orașe poloneze din Misiunea UE pentru 100 de orașe inteligente și neutre din punct de vedere climatic până în 2030, alături de Cracovia, Rzeszów, Varșovia și Wrocław.",
    },
    "rzeszow": {
        "en": "Rzeszów is one of the five Polish cities in the EU Mission for 100 Climate-Neutral and Smart Cities by 2030, together with Kraków, Łódź, Warsaw and Wrocław.",
        "pl": "Rzeszów jest jednym z pięciu polskich miast uczestniczących w Misji UE na rzecz 100 neutralnych dla klimatu i inteligentnych miast do 2030 r., obok Krakowa, Łodzi, Warszawy i Wrocławia.",
        "sl": "Rzeszów je eno od petih poljskih mest v misiji EU 100 podnebno nevtralnih in pametnih mest do leta 2030; ostala štiri so Krakov, Łódź, Varšava in Vroclav.",
        "ro": "Rzeszów este unul dintre cele cinci orașe poloneze din Misiunea UE pentru 100 de orașe inteligente și neutre din punct de vedere climatic până în 2030, alături de Cracovia, Łódź, Varșovia și Wrocław.",
    },
    "warszawa": {
        "en": "Warsaw is one of the five Polish cities in the EU Mission for 100 Climate-Neutral and Smart Cities by 2030, together with Kraków, Łódź, Rzeszów and Wrocław.",
        "pl": "Warszawa jest jednym z pięciu polskich miast uczestniczących w Misji UE na rzecz 100 neutralnych dla klimatu i inteligentnych miast do 2030 r., obok Krakowa, Łodzi, Rzeszowa i Wrocławia.",
        "sl": "Varšava je eno od petih poljskih mest v misiji EU 100 podnebno nevtralnih in pametnih mest do leta 2030; ostala štiri so Krakov, Łódź, Rzeszów in Vroclav.",
        "ro": "Varșovia este unul dintre cele cinci orașe poloneze din Misiunea UE pentru 100 de orașe inteligente și neutre din punct de vedere climatic până în 2030, alături de Cracovia, Łódź, Rzeszów și Wrocław.",
    },
    "wroclaw": {
        "en": "Wrocław is one of the five Polish cities in the EU Mission for 100 Climate-Neutral and Smart Cities by 2030, together with Kraków, Łódź, Rzeszów and Warsaw.",
        "pl": "Wrocław jest jednym z pięciu polskich miast uczestniczących w Misji UE na rzecz 100 neutralnych dla klimatu i inteligentnych miast do 2030 r., obok Krakowa, Łodzi, Rzeszowa i Warszawy.",
        "sl": "Vroclav je eno od petih poljskih mest v misiji EU 100 podnebno nevtralnih in pametnih mest do leta 2030; ostala štiri so Krakov, Łódź, Rzeszów in Varšava.",
        "ro": "Wrocław este unul dintre cele cinci orașe poloneze din Misiunea UE pentru 100 de orașe inteligente și neutre din punct de vedere climatic până în 2030, alături de Cracovia, Łódź, Rzeszów și Varșovia.",
    },
    "kranj": {
        "en": "Kranj, Ljubljana and Velenje are the three Slovenian mission cities whose mayors signed the commitment to establish a Slovenian partnership within the mission.",
        "pl": "Kranj, Lublana i Velenje to trzy słoweńskie miasta misji, których burmistrzowie podpisali zobowiązanie do utworzenia słoweńskiego partnerstwa w ramach misji.",
        "sl": "Kranj, Ljubljana in Velenje so tri slovenska mesta v misiji, katerih župani so podpisali Zavezo za vzpostavitev slovenskega partnerstva v okviru misije.",
        "ro": "Kranj, Ljubljana și Velenje sunt cele trei orașe slovene din misiune ai căror primari au semnat angajamentul de a crea un parteneriat sloven în cadrul misiunii.",
    },
    "ljubljana": {
        "en": "Ljubljana, Kranj and Velenje are the three Slovenian mission cities whose mayors signed the commitment to establish a Slovenian partnership within the mission.",
        "pl": "Lublana, Kranj i Velenje to trzy słoweńskie miasta misji, których burmistrzowie podpisali zobowiązanie do utworzenia słoweńskiego partnerstwa w ramach misji.",
        "sl": "Ljubljana, Kranj in Velenje so tri slovenska mesta v misiji, katerih župani so podpisali Zavezo za vzpostavitev slovenskega partnerstva v okviru misije.",
        "ro": "Ljubljana, Kranj și Velenje sunt cele trei orașe slovene din misiune ai căror primari au semnat angajamentul de a crea un parteneriat sloven în cadrul misiunii.",
    },
    "velenje": {
        "en": "Velenje, Kranj and Ljubljana are the three Slovenian mission cities whose mayors signed the commitment to establish a Slovenian partnership within the mission.",
        "pl": "Velenje, Kranj i Lublana to trzy słoweńskie miasta misji, których burmistrzowie podpisali zobowiązanie do utworzenia słoweńskiego partnerstwa w ramach misji.",
        "sl": "Velenje, Kranj in Ljubljana so tri slovenska mesta v misiji, katerih župani so podpisali Zavezo za vzpostavitev slovenskega partnerstva v okviru misije.",
        "ro": "Velenje, Kranj și Ljubljana sunt cele trei orașe slovene din misiune ai căror primari au semnat angajamentul de a crea un parteneriat sloven în cadrul misiunii.",
    },
    "cluj-napoca": {
        "en": "Cluj-Napoca is one of the three Romanian cities selected for the EU mission, and the M100 National Hub gives it tailored support, including access to European funds and guidance on its Climate City Contract.",
        "pl": "Kluż-Napoka jest jednym z trzech rumuńskich miast wybranych do misji UE, a krajowy hub M100 zapewnia temu miastu dostosowane wsparcie, w tym ułatwienie dostępu do funduszy europejskich i pomoc w opracowaniu Kontraktu Klimatycznego.",
        "sl": "Cluj-Napoca je eno od treh romunskih mest, izbranih v misijo EU, nacionalno središče M100 pa temu mestu nudi prilagojeno podporo, vključno z dostopom do evropskih sredstev in usmerjanjem pri pripravi podnebne pogodbe mesta.",
        "ro": "Cluj-Napoca este unul dintre cele trei orașe românești selectate în Misiunea UE, iar M100 Hub Național îi oferă asistență personalizată, inclusiv facilitarea accesului la fonduri europene și ghidarea elaborării Contractului Climatic al Orașului.",
    },
    "bucuresti-sector-2": {
        "en": "Bucharest – Sector 2 is one of the three Romanian cities selected for the EU mission, and the M100 National Hub gives it tailored support, including access to European funds and guidance on its Climate City Contract.",
        "pl": "Bukareszt – Sektor 2 jest jednym z trzech rumuńskich miast wybranych do misji UE, a krajowy hub M100 zapewnia temu miastu dostosowane wsparcie, w tym ułatwienie dostępu do funduszy europejskich i pomoc w opracowaniu Kontraktu Klimatycznego.",
        "sl": "Bukarešta – Sektor 2 je eno od treh romunskih mest, izbranih v misijo EU, nacionalno središče M100 pa temu mestu nudi prilagojeno podporo, vključno z dostopom do evropskih sredstev in usmerjanjem pri pripravi podnebne pogodbe mesta.",
        "ro": "București – Sector 2 este unul dintre cele trei orașe românești selectate în Misiunea UE, iar M100 Hub Național îi oferă asistență personalizată, inclusiv facilitarea accesului la fonduri europene și ghidarea elaborării Contractului Climatic al Orașului.",
    },
    "suceava": {
        "en": "Suceava is one of the three Romanian cities selected for the EU mission, and the M100 National Hub gives it tailored support, including access to European funds and guidance on its Climate City Contract.",
        "pl": "Suczawa jest jednym z trzech rumuńskich miast wybranych do misji UE, a krajowy hub M100 zapewnia temu miastu dostosowane wsparcie, w tym ułatwienie dostępu do funduszy europejskich i pomoc w opracowaniu Kontraktu Klimatycznego.",
        "sl": "Suceava je eno od treh romunskih mest, izbranih v misijo EU, nacionalno središče M100 pa temu mestu nudi prilagojeno podporo, vključno z dostopom do evropskih sredstev in usmerjanjem pri pripravi podnebne pogodbe mesta.",
        "ro": "Suceava este unul dintre cele trei orașe românești selectate în Misiunea UE, iar M100 Hub Național îi oferă asistență personalizată, inclusiv facilitarea accesului la fonduri europene și ghidarea elaborării Contractului Climatic al Orașului.",
    },
}

SOURCE_PREFIX = re.compile(r"^(?:sel|label\([^)]*\)|pilot\([^)]*\)):\s*")
TRAILING_NOTE = re.compile(r"\s+\([^)]*\)$")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DataError(Exception):
    pass


def quote(text):
    """A YAML double-quoted scalar (JSON escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def flow_map(mapping):
    items = ", ".join(f"{key}: {quote(mapping[key])}" for key in sorted(mapping))
    return "{" + items + "}"


def parse_sources(field, where):
    """Addresses from the 'source' column, in order, without duplicates."""
    urls = []
    for entry in field.split(" | "):
        entry = SOURCE_PREFIX.sub("", entry.strip())
        for part in entry.split(" ; "):
            part = TRAILING_NOTE.sub("", part.strip())
            if not part:
                continue
            if " " in part or "://" in part:
                raise DataError(f"{where}: unexpected source address {part!r}")
            url = "https://" + part
            if url not in urls:
                urls.append(url)
    return urls


def number(text, kind, where):
    try:
        return kind(text)
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a valid number") from None


def city_yaml(row, where):
    city_id = row["id"]
    if not ID_PATTERN.match(city_id):
        raise DataError(f"{where}: id {city_id!r} is not an ASCII slug")
    name = row["name_native"].strip()
    if not name:
        raise DataError(f"{where}: name_native is empty")
    country = row["country_iso2"].strip()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise DataError(f"{where}: country_iso2 {country!r} is not an ISO 3166-1 alpha-2 code")

    names = {}
    english = ENGLISH_NAMES.get(city_id, row["name_en"].strip())
    if english and english != name:
        names["en"] = english
    for lang, exonym in EXONYMS.get(city_id, {}).items():
        if lang not in LANGUAGES:
            raise DataError(f"{where}: unknown language {lang!r} in EXONYMS")
        if exonym != name:
            names[lang] = exonym

    has_geonames = bool(row["geonames_id"].strip())
    lines = [HEADER_GEONAMES if has_geonames else HEADER_SOURCES]
    lines.append(f"name: {quote(name)}")
    if names:
        lines.append(f"names: {flow_map(names)}")
    lines.append(f"country: {quote(country)}")

    population = row["population"].strip()
    if population:
        lines.append(f"population: {number(population, int, where)}")

    lat, lon = row["latitude"].strip(), row["longitude"].strip()
    if lat or lon:
        if not (lat and lon):
            raise DataError(f"{where}: latitude and longitude must both be given")
        lat_value, lon_value = number(lat, float, where), number(lon, float, where)
        if not (-90 <= lat_value <= 90 and -180 <= lon_value <= 180):
            raise DataError(f"{where}: coordinates {lat}, {lon} out of range")
        lines.append(f"coordinates: [{lat}, {lon}]")

    lines.append(f"targetYear: {TARGET_YEAR}")

    label = row["mission_label_year"].strip()
    if label:
        if not re.fullmatch(r"20\d\d", label):
            raise DataError(f"{where}: mission_label_year {label!r} is not a year")
        lines.append(f"missionLabel: {label}")

    pilot = row["pilot_city"].strip().lower()
    if pilot == "yes":
        lines.append("pilotCity: true")
    elif pilot:
        raise DataError(f"{where}: pilot_city must be 'yes' or empty, not {pilot!r}")

    if has_geonames:
        lines.append(f"geonamesId: {number(row['geonames_id'].strip(), int, where)}")

    sources = parse_sources(row["source"], where)
    if sources:
        lines.append("sources:")
        lines.extend(f"  - {quote(url)}" for url in sources)

    summary = SUMMARIES.get(city_id)
    if summary:
        missing = [lang for lang in LANGUAGES if lang not in summary]
        if missing:
            raise DataError(f"{where}: summary lacks {', '.join(missing)}")
        lines.append("summary:")
        lines.extend(f"  {lang}: {quote(summary[lang])}" for lang in LANGUAGES)

    return city_id, "\n".join(lines) + "\n"


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}:1: missing column(s): {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            yield f"{path}:{line}", {key: (value or "") for key, value in row.items()}


def main(argv):
    if len(argv) > 2:
        print("usage: make_cities.py [mission-cities.tsv]", file=sys.stderr)
        return 2
    tsv = os.path.abspath(argv[1]) if len(argv) == 2 else os.path.normpath(DEFAULT_TSV)

    files = {}
    errors = []
    try:
        for where, row in read_rows(tsv):
            try:
                city_id, text = city_yaml(row, where)
            except DataError as error:
                errors.append(str(error))
                continue
            if city_id in files:
                errors.append(f"{where}: duplicate id {city_id!r}")
                continue
            files[city_id] = text
    except (OSError, DataError) as error:
        errors.append(str(error))

    unused = sorted((set(EXONYMS) | set(SUMMARIES) | set(ENGLISH_NAMES)) - set(files))
    if files and unused:
        errors.append(f"{tsv}: no row for id(s) {', '.join(unused)} used in make_cities.py")
    if errors:
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        return 1

    os.makedirs(OUTPUT_DIR, exist_ok=True)
    for name in sorted(os.listdir(OUTPUT_DIR)):
        if name.endswith(".yaml") and name[: -len(".yaml")] not in files:
            os.remove(os.path.join(OUTPUT_DIR, name))
    for city_id in sorted(files):
        with open(os.path.join(OUTPUT_DIR, city_id + ".yaml"), "w", encoding="utf-8", newline="\n") as handle:
            handle.write(files[city_id])
    print(f"wrote {len(files)} city files to {os.path.relpath(OUTPUT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
