"""Known places for "near me" without a map or a GPS: the cities, regional centres and border
crossings of Ukraine, its neighbours and the main destination countries, with their coordinates
(the city centre, or the crossing point). A visitor picks one by name; nobody has to type
coordinates. Names are the usual English ones; the country is shown in the page's language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float


_PLACES = [
    # Ukraine: the regional centres, and towns near the western crossings
    ("Kyiv", "UA", 50.4501, 30.5234),
    ("Kharkiv", "UA", 49.9935, 36.2304),
    ("Odesa", "UA", 46.4825, 30.7233),
    ("Dnipro", "UA", 48.4647, 35.0462),
    ("Lviv", "UA", 49.8397, 24.0297),
    ("Zaporizhzhia", "UA", 47.8388, 35.1396),
    ("Vinnytsia", "UA", 49.2331, 28.4682),
    ("Chernivtsi", "UA", 48.2915, 25.9403),
    ("Uzhhorod", "UA", 48.6208, 22.2879),
    ("Mukachevo", "UA", 48.4393, 22.7178),
    ("Ivano-Frankivsk", "UA", 48.9226, 24.7111),
    ("Ternopil", "UA", 49.5535, 25.5948),
    ("Lutsk", "UA", 50.7472, 25.3254),
    ("Rivne", "UA", 50.6199, 26.2516),
    ("Khmelnytskyi", "UA", 49.4229, 26.9871),
    ("Zhytomyr", "UA", 50.2547, 28.6587),
    ("Chernihiv", "UA", 51.4982, 31.2893),
    ("Sumy", "UA", 50.9077, 34.7981),
    ("Poltava", "UA", 49.5883, 34.5514),
    ("Cherkasy", "UA", 49.4444, 32.0598),
    ("Mykolaiv", "UA", 46.9750, 31.9946),
    ("Kherson", "UA", 46.6354, 32.6169),
    ("Kropyvnytskyi", "UA", 48.5079, 32.2623),
    # Poland
    ("Warsaw", "PL", 52.2297, 21.0122),
    ("Kraków", "PL", 50.0647, 19.9450),
    ("Wrocław", "PL", 51.1079, 17.0385),
    ("Łódź", "PL", 51.7592, 19.4560),
    ("Poznań", "PL", 52.4064, 16.9252),
    ("Gdańsk", "PL", 54.3520, 18.6466),
    ("Lublin", "PL", 51.2465, 22.5684),
    ("Chełm", "PL", 51.1431, 23.4716),
    ("Rzeszów", "PL", 50.0412, 21.9991),
    ("Przemyśl", "PL", 49.7839, 22.7678),
    ("Medyka (border crossing)", "PL", 49.8035, 23.0979),
    ("Dorohusk (border crossing)", "PL", 51.1677, 23.8047),
    # Moldova
    ("Chișinău", "MD", 47.0105, 28.8638),
    ("Bălți", "MD", 47.7615, 27.9290),
    ("Palanca (border crossing)", "MD", 46.4110, 30.0870),
    # Romania
    ("Bucharest", "RO", 44.4268, 26.1025),
    ("Iași", "RO", 47.1585, 27.6014),
    ("Suceava", "RO", 47.6635, 26.2732),
    ("Siret (border crossing)", "RO", 47.9530, 26.0650),
    ("Isaccea (border crossing)", "RO", 45.2697, 28.4597),
    ("Galați", "RO", 45.4353, 28.0080),
    ("Cluj-Napoca", "RO", 46.7712, 23.6236),
    # Slovakia
    ("Bratislava", "SK", 48.1486, 17.1077),
    ("Košice", "SK", 48.7164, 21.2611),
    ("Michalovce", "SK", 48.7546, 21.9195),
    ("Vyšné Nemecké (border crossing)", "SK", 48.6650, 22.2640),
    # Hungary
    ("Budapest", "HU", 47.4979, 19.0402),
    ("Debrecen", "HU", 47.5316, 21.6273),
    ("Nyíregyháza", "HU", 47.9554, 21.7167),
    ("Záhony (border crossing)", "HU", 48.4087, 22.1760),
    # Destination countries
    ("Prague", "CZ", 50.0755, 14.4378),
    ("Brno", "CZ", 49.1951, 16.6068),
    ("Berlin", "DE", 52.5200, 13.4050),
    ("Munich", "DE", 48.1351, 11.5820),
    ("Hamburg", "DE", 53.5511, 9.9937),
    ("Vienna", "AT", 48.2082, 16.3738),
    ("Vilnius", "LT", 54.6872, 25.2797),
    ("Riga", "LV", 56.9496, 24.1052),
]


def _key(name: str, country: str) -> str:
    plain = unicodedata.normalize("NFKD", name.split(" (")[0].replace("ł", "l").replace("Ł", "L"))
    ascii_name = plain.encode("ascii", "ignore").decode().lower()
    return f"{country.lower()}-{'-'.join(ascii_name.replace('-', ' ').split())}"


PLACES: dict[str, Place] = {
    (key := _key(name, country)): Place(key, name, country, latitude, longitude)
    for name, country, latitude, longitude in _PLACES
}
