"""Pools the 2022 Ukraine scenario draws from: names, places, nationalities and phone plans.

A name pool entry is a *variant group*: the spellings one person's name is found under in
different registers ("Mohamed/Mohammed/Muhammad") and, after "=", its form in the script the
person's own documents or consulate use (Arabic, Devanagari, or Cyrillic for Soviet-era passports).
Duplicate registrations draw a different spelling or script from the same group, which is what
makes them hard to match. Also here: a small Latin -> Cyrillic transliteration, as Ukrainian border
posts write foreign names.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from anyascii import anyascii

NameGroup = tuple[tuple[str, ...], str]  # (Latin spellings, native-script form or "")


class Pool(NamedTuple):
    male: tuple[NameGroup, ...]
    female: tuple[NameGroup, ...]
    family: tuple[NameGroup, ...]


def _groups(text: str) -> tuple[NameGroup, ...]:
    groups = []
    for item in text.split(","):
        latin, _, native = item.strip().partition("=")
        groups.append((tuple(latin.split("/")), native))
    return tuple(groups)


def _pool(male: str, female: str, family: str) -> Pool:
    return Pool(_groups(male), _groups(female), _groups(family))


# Shared by Moroccan and Egyptian pools: the same Arabic name, transliterated the French way in
# Morocco and the English way in Egypt, is the commonest source of near-duplicates.
_ARAB_MALE = (
    "Mohamed/Mohammed/Muhammad/Mohammad=محمد, Ahmed/Ahmad=أحمد, Youssef/Yousef/Yusuf=يوسف,"
    " Omar/Umar=عمر, Khaled/Khalid=خالد, Karim/Kareem=كريم, Hamza/Hamzah=حمزة,"
    " Abdellah/Abdallah/Abdullah=عبد الله, Said/Saïd/Saeed=سعيد, Ismail/Smail/Esmail=إسماعيل"
)
_ARAB_FEMALE = (
    "Fatima/Fatma/Fatema=فاطمة, Meriem/Maryam/Mariam=مريم, Khadija/Khadidja/Khadiga=خديجة,"
    " Zineb/Zainab/Zaynab=زينب, Salma=سلمى, Yasmine/Yasmin=ياسمين, Nour/Noor/Nur=نور, Aya=آية,"
    " Sara/Sarah=سارة, Imane/Iman/Eman=إيمان, Houda/Huda/Hoda=هدى, Asmaa/Asma=أسماء"
)

NAMES: dict[str, Pool] = {
    "NG": _pool(
        "Chukwuemeka/Emeka, Chinedu, Oluwaseun/Seun, Babatunde/Tunde, Olusegun/Segun,"
        " Oluwafemi/Femi, Ifeanyichukwu/Ifeanyi, Abubakar/Abubakr, Ibrahim/Ibraheem, Musa,"
        " Obinna, Kelechi, Uchenna, Adebayo/Adébáyọ̀, Emmanuel, Daniel, Samuel, Godwin,"
        " Tochukwu/Tochi, Yusuf/Yusuff",
        "Chioma, Ngozi, Adaeze, Oluwakemi/Kemi, Funmilayo/Funmi, Aisha/Aishat/Aishatu,"
        " Fatima/Fatimah, Blessing, Chiamaka/Amaka, Temitope/Tope, Folake/Folakemi,"
        " Amina/Aminat, Precious, Zainab/Zainabu, Nneka, Ifeoma, Damilola/Oluwadamilola, Esther",
        "Okafor, Okeke, Adeyemi, Ogunleye, Balogun, Nwosu, Eze/Ezeh, Okonkwo, Abdullahi/Abdulahi,"
        " Bello, Ibrahim/Ibraheem, Mohammed/Muhammad/Muhammed, Obi, Olawale, Nwachukwu, Afolabi,"
        " Adeleke, Danjuma, Akinola, Onyeka, Chukwu, Oyelade",
    ),
    "GH": _pool(
        "Kwame, Kofi, Kwabena/Kobina, Kwaku/Kweku, Yaw, Kojo/Kwadwo, Kwasi/Kwesi, Emmanuel,"
        " Samuel, Isaac, Prince, Ebenezer",
        "Akosua, Abena, Ama, Adwoa/Adjoa, Efua/Efia, Akua, Yaa, Esi, Afia/Afua, Gifty, Mercy,"
        " Comfort",
        "Mensah, Owusu, Asante, Boateng, Osei, Appiah, Agyemang/Agyeman, Addo, Amoah, Darko,"
        " Ofori, Quaye, Tetteh, Acheampong/Acheampon, Antwi",
    ),
    "CM": _pool(
        "Jean, Paul, Franck/Frank, Serge, Arnaud, Boris, Junior, Brice, Hervé/Herve,"
        " Cédric/Cedric, Yannick/Yanick, Fabrice",
        "Marie, Grace, Sandrine, Christelle/Kristelle, Nadège/Nadege, Brenda, Laure,"
        " Carine/Karine, Larissa, Vanessa",
        "Ngono, Mbarga, Fotso, Kamga, Tchinda, Nana, Ndongo, Essomba, Atangana, Etoa,"
        " Nkoulou, Mvondo, Djoumessi/Djoumessie, Tagne, Mballa/Mbala, Fouda, Ngassa",
    ),
    "ZW": _pool(
        "Tendai, Tatenda, Farai, Tinashe, Takudzwa, Kudakwashe/Kuda, Tafadzwa, Blessing,"
        " Simbarashe/Simba, Tonderai",
        "Rutendo, Chipo, Nyasha, Rumbidzai/Rumbi, Tsitsi, Vimbai, Ruvimbo, Tariro, Shamiso,"
        " Fadzai, Memory, Precious",
        "Moyo, Ncube, Sibanda, Dube, Ndlovu, Mpofu, Chikwanha, Mutasa, Chiweshe, Nyathi/Nyati,"
        " Marufu, Mhlanga, Gumbo, Chinyama, Makoni",
    ),
    "KE": _pool(
        "Brian, Kevin, Dennis, Collins, Kiprono, Kimani, Evans, Felix, Victor, Otieno",
        "Wanjiru, Akinyi, Achieng, Njeri, Wambui, Faith, Mercy, Sharon, Cynthia, Nafula",
        "Ochieng, Mwangi, Kamau, Kariuki, Wanjala, Odhiambo/Odiambo, Kiprotich, Cheruiyot,"
        " Mutua, Njoroge, Omondi, Wekesa, Kiplagat, Onyango",
    ),
    "MA": _pool(
        _ARAB_MALE + ", Amine/Amin=أمين, Mehdi/Mahdi=مهدي, Ayoub/Ayyub=أيوب,"
        " Othmane/Othman=عثمان, Soufiane/Sofiane/Sufyan=سفيان, Zakaria/Zakariya=زكرياء,"
        " Yassine/Yassin/Yasin=ياسين, Anas=أنس, Reda/Rida=رضا, Ilyas/Ilias=إلياس,"
        " Achraf/Ashraf=أشرف, Hicham/Hisham=هشام",
        _ARAB_FEMALE + ", Hajar/Hagar=هاجر, Oumaima/Omaima=أميمة, Chaimae/Chaima/Shaimaa=شيماء,"
        " Kawtar/Kaoutar/Kawthar=كوثر, Ghizlane/Ghizlan=غزلان",
        "El Amrani/Elamrani/Amrani=العمراني, Bennani/Benani=بناني, Alaoui/El Alaoui=العلوي,"
        " Tazi=التازي, El Idrissi/Idrissi/Drissi=الإدريسي, Berrada/Berada=برادة,"
        " Chraibi/Cheraibi=الشرايبي, Ouazzani/El Ouazzani=الوزاني, Lahlou=لحلو,"
        " El Fassi/Fassi=الفاسي, Benjelloun/Ben Jelloun=بنجلون, El Mansouri/Mansouri=المنصوري,"
        " Benali/Ben Ali=بنعلي, Naciri/Nasiri=الناصري, Kabbaj/Kabaj=القباج,"
        " Benmoussa/Ben Moussa=بنموسى, El Khatib/Elkhatib/Khatib=الخطيب, Hajji/Haji=حجي",
    ),
    "EG": _pool(
        _ARAB_MALE + ", Mahmoud/Mahmud=محمود, Mostafa/Mustafa/Moustafa=مصطفى,"
        " Tarek/Tariq=طارق, Amr/Amro=عمرو, Hossam/Hosam/Husam=حسام,"
        " Abdelrahman/Abdel Rahman/Abdulrahman=عبد الرحمن, Ziad/Ziyad=زياد, Islam=إسلام",
        _ARAB_FEMALE + ", Rania=رانيا, Dina=دينا, Amira/Amirah=أميرة, Habiba=حبيبة, Nada=ندى,"
        " Hala=هالة, Mona/Muna=منى, Ghada=غادة",
        "Hassan/Hasan=حسن, Ibrahim/Ebrahim=إبراهيم, Mahmoud/Mahmud=محمود,"
        " El Sayed/Elsayed/El-Sayed=السيد, Mostafa/Mustafa=مصطفى, Farouk/Farouq/Faruk=فاروق,"
        " Khalil=خليل, Salem=سالم, Fathy/Fathi=فتحي, Gaber/Gabr/Jaber=جابر,"
        " Soliman/Suleiman/Sulaiman=سليمان, Abdallah/Abdullah/Abdalla=عبد الله,"
        " Shawky/Shawki=شوقي, Mansour/Mansur=منصور, Ramadan/Ramadhan=رمضان,"
        " Hussein/Hussain/Hossein=حسين, Nasser/Naser=ناصر, Abdelaziz/Abdel Aziz=عبد العزيز,"
        " Fawzy/Fawzi=فوزي, Hegazy/Hegazi=حجازي, Badawy/Badawi=بدوي",
    ),
    "IN": _pool(
        "Rahul=राहुल, Amit=अमित, Rohit=रोहित, Vikas/Vikash=विकास, Ankit=अंकित, Arjun=अर्जुन,"
        " Aditya=आदित्य, Sandeep/Sandip=संदीप, Manish=मनीष, Deepak/Dipak=दीपक,"
        " Abhishek/Abhisek=अभिषेक, Vivek=विवेक, Saurabh/Sourabh=सौरभ, Ayush/Aayush=आयुष,"
        " Akash/Aakash=आकाश, Nikhil=निखिल, Karthik/Kartik/Karthick, Arun, Aravind/Arvind,"
        " Vishnu, Akhil, Sreejith/Srijith, Harish/Hareesh, Naveen/Navin, Mohammed/Mohd, Imran",
        "Pooja/Puja=पूजा, Priya=प्रिया, Neha=नेहा, Anjali=अंजलि, Sneha=स्नेहा,"
        " Shreya/Sreya=श्रेया, Divya=दिव्या, Ritu=रितु, Aishwarya/Aishwariya=ऐश्वर्या,"
        " Komal=कोमल, Simran=सिमरन, Nisha=निशा, Swati/Swathi=स्वाति, Riya/Ria=रिया,"
        " Ananya=अनन्या, Lakshmi/Laxmi=लक्ष्मी, Meera/Mira=मीरा, Anjana,"
        " Aswathy/Ashwathi, Keerthana/Kirthana, Fathima/Fatima",
        "Sharma=शर्मा, Verma/Varma=वर्मा, Singh=सिंह, Kumar=कुमार, Gupta=गुप्ता, Yadav=यादव,"
        " Patel=पटेल, Mishra/Misra=मिश्रा, Chauhan=चौहान, Joshi=जोशी,"
        " Tiwari/Tiwary/Tewari=तिवारी, Pandey/Pande=पांडे, Choudhary/Chaudhary=चौधरी,"
        " Agarwal/Aggarwal/Agrawal=अग्रवाल, Jain=जैन, Thakur=ठाकुर, Nair, Pillai, Menon,"
        " Reddy, Iyer, Krishnan, Rao, Naidu, Shaikh/Sheikh",
    ),
    "NP": _pool(
        "Bikash/Bikas=विकास, Suman=सुमन, Prakash/Prakas=प्रकाश, Ramesh=रमेश, Sagar=सागर,"
        " Santosh/Santos=सन्तोष, Anil=अनिल, Dipesh/Deepesh=दिपेश, Roshan=रोशन,"
        " Nabin/Navin=नबिन, Kiran=किरण, Bishal/Vishal=विशाल, Sujan=सुजन, Rajan=राजन,"
        " Binod/Vinod=विनोद, Hari=हरि",
        "Sita=सीता, Gita/Geeta=गीता, Sabina=सबिना, Anita=अनिता, Puja/Pooja=पूजा, Sarita=सरिता,"
        " Sushma/Susma=सुष्मा, Manisha/Monisha=मनिषा, Rojina=रोजिना, Asmita=अस्मिता,"
        " Sunita=सुनिता, Bimala/Vimala=विमला, Srijana/Shrijana=सृजना, Kabita/Kavita=कविता",
        "Shrestha/Shresta=श्रेष्ठ, Gurung=गुरुङ, Tamang=तामाङ, Thapa=थापा, Magar=मगर, Rai=राई,"
        " Adhikari=अधिकारी, Karki=कार्की, Bhandari=भण्डारी, Poudel/Paudel/Paudyal=पौडेल,"
        " Sharma=शर्मा, Khadka=खड्का, Basnet=बस्नेत, Limbu=लिम्बु, Bhattarai=भट्टराई,"
        " Ghimire=घिमिरे, Maharjan=महर्जन",
    ),
    "BD": _pool(
        "Mohammad/Mohammed/Muhammad, Rahim, Karim, Sabbir/Shabbir, Tanvir/Tanveer,"
        " Rakibul/Rakib, Shakil/Shakeel, Arif, Imran, Nazmul, Mahmudul, Rafiq/Rafique",
        "Fatema/Fatima, Nusrat, Farhana, Sumaiya/Sumaya, Taslima, Sharmin, Jannatul,"
        " Ayesha/Aisha, Rokeya/Rokaiya, Tahmina, Shirin",
        "Hossain/Hussain/Hosen, Rahman, Islam, Ahmed/Ahmad, Uddin, Chowdhury/Choudhury, Khan,"
        " Akter/Akhter/Aktar, Sarker/Sarkar, Miah/Mia, Alam, Haque/Hoque/Huq, Mondal/Mandal",
    ),
    "PK": _pool(
        "Muhammad/Mohammad/Muhammed, Ali, Ahmed/Ahmad, Hassan/Hasan, Usman/Osman/Uthman,"
        " Bilal, Hamza, Zain/Zayn, Faisal/Faysal, Kamran, Umar/Omar, Waqas, Saad, Asad",
        "Ayesha/Aisha, Fatima, Sana, Maryam/Mariam, Hina, Iqra, Zainab, Amna/Aamna, Mahnoor,"
        " Sadia/Saadia, Rabia",
        "Khan, Malik, Hussain/Hussein/Husain, Butt, Chaudhry/Chaudhary/Choudhry,"
        " Qureshi/Kureshi, Sheikh/Shaikh, Raza, Shah, Siddiqui/Siddiqi, Akhtar, Iqbal,"
        " Javed/Javaid, Mirza, Abbasi",
    ),
    "VN": _pool(
        "Van Minh/Văn Minh, Duc Anh/Đức Anh, Quoc Huy/Quốc Huy, Minh Tuan/Minh Tuấn,"
        " Van Hung/Văn Hùng, Thanh Long, Hai Nam/Hải Nam, Van Dung/Văn Dũng, Quang Hai/Quang Hải",
        "Thi Lan, Thi Huong/Thị Hương, Thu Trang, Ngoc Anh/Ngọc Anh, Thi Mai/Thị Mai,"
        " Phuong Linh/Phương Linh, Thu Thao/Thu Thảo, Thi Hoa/Thị Hoa, Thi Hanh/Thị Hạnh",
        "Nguyen/Nguyễn, Tran/Trần, Le/Lê, Pham/Phạm, Hoang/Hoàng, Vu/Vũ, Vo/Võ, Dang/Đặng,"
        " Bui/Bùi, Do/Đỗ, Ho/Hồ, Ngo/Ngô, Duong/Dương, Huynh/Huỳnh",
    ),
    "AZ": _pool(
        "Rashad/Rəşad=Рашад, Elchin/Elçin=Эльчин, Tural=Турал, Orkhan/Orxan=Орхан,"
        " Farid/Fərid=Фарид, Kamran=Камран, Ramil=Рамиль, Vugar/Vüqar=Вугар, Anar=Анар,"
        " Nijat/Nicat=Ниджат, Murad=Мурад, Ali/Əli=Али, Huseyn/Hüseyn=Гусейн, Emin=Эмин",
        "Aysel=Айсель, Leyla/Leila=Лейла, Gunel/Günel=Гюнель, Nigar=Нигяр,"
        " Sevinj/Sevinc=Севиндж, Aynur=Айнур, Narmin/Nərmin=Нармин, Konul/Könül=Кёнуль,"
        " Lala/Lalə=Лала, Ulviyya/Ülviyyə=Ульвия, Fidan=Фидан, Samira/Səmirə=Самира",
        "Mammadov/Mamedov/Məmmədov=Мамедов, Aliyev/Aliev/Əliyev=Алиев,"
        " Huseynov/Guseinov/Hüseynov=Гусейнов, Hasanov/Gasanov/Həsənov=Гасанов,"
        " Ibrahimov/Ibragimov/İbrahimov=Ибрагимов, Guliyev/Quliyev/Kuliev=Кулиев,"
        " Ismayilov/Ismailov/İsmayılov=Исмаилов, Abbasov=Аббасов, Jafarov/Cəfərov=Джафаров,"
        " Rzayev/Rzaev=Рзаев, Karimov/Kərimov=Керимов, Suleymanov/Suleimanov=Сулейманов,"
        " Valiyev/Vəliyev/Veliev=Велиев, Orujov/Orucov=Оруджев",
    ),
    "TM": _pool(
        "Merdan=Мердан, Serdar=Сердар, Dovlet/Döwlet=Довлет, Batyr=Батыр, Rustam=Рустам,"
        " Maksat=Максат, Myrat/Murat=Мурат, Bayram/Baýram=Байрам, Arslan=Арслан,"
        " Guvanch/Güwanç=Гуванч",
        "Aygul/Aýgül=Айгуль, Maral=Марал, Gulshat/Gülşat=Гульшат, Jennet=Дженнет,"
        " Ogulgerek=Огулгерек, Leyli=Лейли, Selbi=Сельби, Mahri=Махри, Bahar=Бахар",
        "Berdiyev/Berdiev/Berdyev=Бердыев, Annayev/Annaev=Аннаев, Orazov/Orazow=Оразов,"
        " Atayev/Ataev=Атаев, Muradov/Myradow=Мурадов, Gurbanov/Kurbanov=Курбанов,"
        " Hojayev/Khodzhaev=Ходжаев, Charyyev/Chariev=Чарыев, Saparov/Saparow=Сапаров",
    ),
    # Ukrainian spouses of third-country workers travel with them.
    "UA": _pool(
        "Oleksandr/Olexandr/Aleksandr=Олександр, Andrii/Andriy/Andrey=Андрій,"
        " Dmytro/Dmitry=Дмитро, Serhii/Sergiy/Sergey=Сергій, Volodymyr/Vladimir=Володимир",
        "Olena/Elena=Олена, Iryna/Irina=Ірина, Nataliia/Natalia/Nataliya=Наталія,"
        " Tetiana/Tetyana/Tatiana=Тетяна, Yuliia/Yulia=Юлія, Oksana=Оксана,"
        " Kateryna/Ekaterina=Катерина, Hanna/Anna=Ганна, Viktoriia/Viktoriya=Вікторія",
        "Kovalenko=Коваленко, Shevchenko=Шевченко, Bondarenko=Бондаренко, Tkachenko=Ткаченко,"
        " Kravchenko=Кравченко, Melnyk/Melnik=Мельник, Boiko/Boyko=Бойко, Koval=Коваль,"
        " Polishchuk/Polischuk=Поліщук, Oliinyk/Oliynyk=Олійник, Lysenko/Lisenko=Лисенко",
    ),
}

_GENDERED_ENDINGS = ("ov", "ev", "ow", "ов", "ев")  # Azerbaijani and Turkmen family names


def feminine(family_name: str) -> str:
    """A woman's form of a family name: Aliyev -> Aliyeva, Мамедов -> Мамедова, Okafor -> Okafor."""
    if not family_name.endswith(_GENDERED_ENDINGS):
        return family_name
    return family_name + ("а" if family_name[-1] in "вВ" else "a")


# Longest keys first: digraphs such as "ch" and "kh" must win over their single letters.
_LATIN_TO_CYRILLIC = {
    "you": "ю", "shch": "щ", "dzh": "дж",
    "ch": "ч", "sh": "ш", "zh": "ж", "kh": "х", "ts": "ц", "ya": "я", "yu": "ю", "ye": "є",
    "yi": "ї", "yo": "йо", "oo": "у", "ee": "і", "ou": "у", "ph": "ф", "th": "т", "gh": "г",
    "dj": "дж", "ck": "к", "qu": "кв", "ay": "ай", "ey": "ей", "oy": "ой", "uy": "уй",
    "a": "а", "b": "б", "c": "к", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "і",
    "j": "дж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р",
    "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "кс", "y": "и", "z": "з",
}  # fmt: skip
_KEY_LENGTHS = sorted({len(key) for key in _LATIN_TO_CYRILLIC}, reverse=True)


@lru_cache(maxsize=16384)
def to_cyrillic(text: str) -> str:
    """How a Ukrainian border post writes a Latin name: "Chukwuemeka Okafor" -> "Чуквуемека Окафор"."""
    source = anyascii(text)
    out: list[str] = []
    index = 0
    while index < len(source):
        for length in _KEY_LENGTHS:
            chunk = source[index : index + length]
            cyrillic = _LATIN_TO_CYRILLIC.get(chunk.lower())
            if cyrillic is not None:
                out.append(cyrillic.capitalize() if chunk[0].isupper() else cyrillic)
                index += length
                break
        else:  # spaces, hyphens and apostrophes pass through
            out.append(source[index])
            index += 1
    return "".join(out)


@lru_cache(maxsize=16384)
def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters only, for e-mail local parts."""
    return "".join(char for char in anyascii(text).lower() if char.isalnum())


class Place(NamedTuple):
    name: str
    admin_area: str
    country: str
    latitude: float
    longitude: float
    spread: float  # jitter in degrees: a city is wider than a border crossing


PLACES = {place.name: place for place in (
    Place("Kharkiv", "Kharkiv Oblast", "UA", 49.99350, 36.23038, 0.04),
    Place("Kyiv", "Kyiv City", "UA", 50.45010, 30.52340, 0.06),
    Place("Lviv", "Lviv Oblast", "UA", 49.83968, 24.02972, 0.03),
    Place("Odesa", "Odesa Oblast", "UA", 46.48253, 30.72331, 0.04),
    Place("Sumy", "Sumy Oblast", "UA", 50.90770, 34.79810, 0.02),
    Place("Dnipro", "Dnipropetrovsk Oblast", "UA", 48.46472, 35.04618, 0.04),
    Place("Ternopil", "Ternopil Oblast", "UA", 49.55352, 25.59477, 0.02),
    Place("Zaporizhzhia", "Zaporizhzhia Oblast", "UA", 47.83880, 35.13956, 0.04),
    Place("Vinnytsia", "Vinnytsia Oblast", "UA", 49.23308, 28.46822, 0.02),
    Place("Shehyni", "Lviv Oblast", "UA", 49.79860, 22.95830, 0.003),
    Place("Chop", "Zakarpattia Oblast", "UA", 48.43170, 22.20540, 0.003),
    Place("Porubne", "Chernivtsi Oblast", "UA", 47.97730, 26.01890, 0.003),
    Place("Mayaky-Udobne", "Odesa Oblast", "UA", 46.41600, 30.26600, 0.003),
    Place("Uzhhorod", "Zakarpattia Oblast", "UA", 48.62080, 22.28790, 0.01),
    Place("Medyka", "Podkarpackie Voivodeship", "PL", 49.80360, 22.92820, 0.003),
    Place("Przemyśl", "Podkarpackie Voivodeship", "PL", 49.78380, 22.76780, 0.015),
    Place("Rzeszów", "Podkarpackie Voivodeship", "PL", 50.04120, 21.99910, 0.02),
    Place("Warsaw", "Masovian Voivodeship", "PL", 52.22970, 21.01220, 0.06),
    Place("Záhony", "Szabolcs-Szatmár-Bereg", "HU", 48.40590, 22.17590, 0.003),
    Place("Nyíregyháza", "Szabolcs-Szatmár-Bereg", "HU", 47.94950, 21.72440, 0.02),
    Place("Budapest", "Budapest", "HU", 47.49790, 19.04020, 0.05),
    Place("Siret", "Suceava County", "RO", 47.95290, 26.06320, 0.003),
    Place("Suceava", "Suceava County", "RO", 47.65140, 26.25560, 0.02),
    Place("Bucharest", "Bucharest", "RO", 44.42680, 26.10250, 0.05),
    Place("Palanca", "Ștefan Vodă District", "MD", 46.41440, 30.10130, 0.003),
    Place("Chișinău", "Chișinău Municipality", "MD", 47.01050, 28.86380, 0.03),
    Place("Vyšné Nemecké", "Košice Region", "SK", 48.66230, 22.26650, 0.003),
    Place("Michalovce", "Košice Region", "SK", 48.75540, 21.91950, 0.015),
    Place("Košice", "Košice Region", "SK", 48.71640, 21.26110, 0.03),
    Place("Abuja", "Federal Capital Territory", "NG", 9.07650, 7.39860, 0.05),
    Place("New Delhi", "Delhi", "IN", 28.61390, 77.20900, 0.06),
    Place("Rabat", "Rabat-Salé-Kénitra", "MA", 34.02090, -6.84160, 0.03),
    Place("Cairo", "Cairo Governorate", "EG", 30.04440, 31.23570, 0.06),
    Place("Accra", "Greater Accra", "GH", 5.60370, -0.18700, 0.04),
    Place("Yaoundé", "Centre Region", "CM", 3.84800, 11.50210, 0.04),
    Place("Kathmandu", "Bagmati Province", "NP", 27.71720, 85.32400, 0.03),
    Place("Baku", "Baku", "AZ", 40.40930, 49.86710, 0.05),
    Place("Ashgabat", "Ashgabat", "TM", 37.96010, 58.32610, 0.04),
    Place("Harare", "Harare Province", "ZW", -17.82520, 31.03350, 0.04),
    Place("Nairobi", "Nairobi County", "KE", -1.29210, 36.82190, 0.05),
    Place("Dhaka", "Dhaka Division", "BD", 23.81030, 90.41250, 0.05),
    Place("Islamabad", "Islamabad Capital Territory", "PK", 33.68440, 73.04790, 0.04),
    Place("Hanoi", "Hanoi", "VN", 21.02780, 105.83420, 0.05),
)}  # fmt: skip


class Corridor(NamedTuple):
    ua_border: str  # the Ukrainian side of the crossing, where border posts register people
    border: str
    transits: tuple[str, ...]
    destinations: tuple[str, ...]
    waypoints: tuple[str, ...]  # where people waited inside Ukraine before crossing


CORRIDORS = (
    Corridor("Shehyni", "Medyka", ("Przemyśl", "Rzeszów"), ("Warsaw", "Warsaw", "Rzeszów"), ("Lviv", "Ternopil")),
    Corridor("Chop", "Záhony", ("Nyíregyháza",), ("Budapest",), ("Lviv",)),
    Corridor("Porubne", "Siret", ("Suceava",), ("Bucharest",), ("Vinnytsia", "Ternopil")),
    Corridor("Mayaky-Udobne", "Palanca", ("Chișinău",), ("Chișinău", "Bucharest"), ("Odesa",)),
    Corridor("Uzhhorod", "Vyšné Nemecké", ("Michalovce",), ("Košice",), ("Lviv",)),
)  # fmt: skip
ORIGINS = (
    "Kharkiv",
    "Kyiv",
    "Lviv",
    "Odesa",
    "Sumy",
    "Dnipro",
    "Ternopil",
    "Zaporizhzhia",
    "Vinnytsia",
)
ORIGIN_WEIGHTS = (25, 22, 10, 10, 6, 8, 7, 6, 6)  # where third-country students lived
CORRIDOR_WEIGHTS = (45, 15, 15, 10, 15)
SOUTH_CORRIDOR_WEIGHTS = (20, 5, 35, 40, 0)  # from Odesa most went through Moldova and Romania


class Nationality(NamedTuple):
    weight: int
    capital: str
    languages: tuple[str, ...]
    categories: tuple[
        int, ...
    ]  # weights of student, worker, domestic_worker, refugee, visitor, other


NATIONALITIES = {
    "IN": Nationality(22, "New Delhi", ("en hi", "hi en", "en ml", "en ta", "en te", "hi", "en pa", "en mr"), (92, 5, 0, 0, 2, 1)),
    "MA": Nationality(11, "Rabat", ("ar fr", "ar", "ary fr", "ar fr en", "zgh ar fr"), (85, 10, 0, 0, 3, 2)),
    "NG": Nationality(10, "Abuja", ("en", "en yo", "en ig", "en ha", "en pcm"), (75, 15, 0, 5, 3, 2)),
    "TM": Nationality(8, "Ashgabat", ("tk ru", "tk", "ru tk"), (85, 10, 0, 0, 0, 5)),
    "AZ": Nationality(8, "Baku", ("az ru", "az", "az tr"), (40, 45, 0, 0, 10, 5)),
    "EG": Nationality(7, "Cairo", ("ar", "ar en", "arz en"), (80, 15, 0, 0, 3, 2)),
    "VN": Nationality(6, "Hanoi", ("vi", "vi ru"), (10, 80, 0, 0, 5, 5)),
    "GH": Nationality(3, "Accra", ("en ak", "en tw", "en ee", "en"), (70, 20, 5, 3, 0, 2)),
    "CM": Nationality(3, "Yaoundé", ("fr", "fr en", "en"), (55, 15, 0, 25, 0, 5)),
    "NP": Nationality(3, "Kathmandu", ("ne", "ne en", "ne hi"), (30, 45, 20, 0, 0, 5)),
    "ZW": Nationality(3, "Harare", ("en sn", "en nd", "en"), (75, 15, 0, 5, 0, 5)),
    "KE": Nationality(3, "Nairobi", ("en sw", "sw en"), (60, 20, 15, 0, 0, 5)),
    "BD": Nationality(3, "Dhaka", ("bn", "bn en"), (40, 45, 0, 10, 0, 5)),
    "PK": Nationality(3, "Islamabad", ("ur en", "ur pa", "ps ur"), (50, 40, 0, 5, 0, 5)),
}  # fmt: skip

# (country calling code, trunk prefix, leading digits, digits after them). Every leading-digit
# range was checked with `phonenumbers` for random suffixes, so any number drawn here is valid.
PHONE_PLANS = {
    "UA": ("380", "0", ("50", "66", "95", "99", "67", "68", "96", "97", "98", "63", "73", "93"), 7),
    "NG": ("234", "0", ("803", "806", "813", "816", "703", "706", "810", "814", "903", "805"), 7),
    "IN": ("91", "0", ("98", "99", "97", "96", "95", "94", "93", "91", "90", "70", "80", "88"), 8),
    "MA": ("212", "0", ("61", "62", "66", "67", "65", "63", "64", "69", "60", "70", "77"), 7),
    "EG": ("20", "0", ("10", "11", "12", "15"), 8),
    "GH": ("233", "0", ("24", "54", "55", "20", "50", "26", "27", "57"), 7),
    "CM": ("237", "", ("67", "65", "69", "68", "66"), 7),
    "NP": ("977", "", ("980", "981", "982", "984", "985", "986"), 7),
    "AZ": ("994", "0", ("50", "51", "55", "70", "77", "99"), 7),
    "TM": ("993", "8", ("61", "62", "63", "64", "65", "71"), 6),
    "ZW": ("263", "0", ("77", "78", "71"), 7),
    "KE": ("254", "0", ("70", "71", "72", "79", "74", "11"), 7),
    "BD": ("880", "0", ("13", "14", "15", "16", "17", "18", "19"), 8),
    "PK": ("92", "0", ("300", "301", "303", "306", "311", "321", "333", "345"), 7),
    "VN": ("84", "0", ("90", "91", "93", "94", "96", "97", "98", "86", "88", "70", "77", "32"), 7),
    "PL": ("48", "", ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"), 7),
    "HU": ("36", "06", ("20", "30", "70"), 7),
    "RO": ("40", "0", ("72", "73", "74", "75", "76", "77"), 7),
    "MD": ("373", "0", ("60", "67", "68", "69", "78", "79"), 6),
    "SK": ("421", "0", ("95",), 7),
}  # fmt: skip
