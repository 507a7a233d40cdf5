"""Generate the fictional Isola demo catalogue as two Concilia HSDS 3 bundles."""

from __future__ import annotations

import json
import random
import sys
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from stdnum import luhn
from stdnum.it import iva

from models.district import DISTRICT_CAPS, in_district
from models.taxonomy import CATEGORY_INFO, GENERAL_CATEGORY

HERE = Path(__file__).resolve().parent
SEED = 2026
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://concilia-hub.example/demo")
CET = timezone(timedelta(hours=1))
FIRST_STAMP = datetime(2026, 1, 7, 8, 0, tzinfo=CET)
MILAN_OFFICE = "015"  # partita IVA office code of the province of Milan (digits 8-10)
TAXONOMY = "concilia-categories"
ALLIANCE_FILE = "alleanza-isola.hsds.json"
NEIGHBOURHOOD_FILE = "rete-quartiere.hsds.json"

IN_PERSON, ONLINE, AT_HOME = "IN_PERSON", "ONLINE", "AT_HOME"
ACTIVE, CLOSED, INACTIVE = "active", "temporarily closed", "inactive"
ALLIANCE_DISCOUNT = "per i beneficiari dell'alleanza Milano Concilia 4.0"

Json = dict[str, Any]
Price = tuple[str, float, str]

# The hub's taxonomy: code -> (area, Italian label).
CATEGORIES: dict[str, tuple[str, str]] = {
    code: (info.area.value, info.label_it) for code, info in CATEGORY_INFO.items()
}

LANGUAGES: dict[str, str] = {
    "it": "Italiano",
    "en": "Inglese",
    "es": "Spagnolo",
    "fr": "Francese",
    "ar": "Arabo",
    "zh": "Cinese",
}


@dataclass(frozen=True, slots=True)
class Street:
    """A real street with its postal code and a point near its middle (WGS84)."""

    cap: str
    latitude: float
    longitude: float
    city: str = "Milano"


STREETS: dict[str, Street] = {
    # Isola (CAP 20159), inside the district box.
    "Via Pietro Borsieri": Street("20159", 45.4882, 9.1903),
    "Via Pastrengo": Street("20159", 45.4866, 9.1880),
    "Via Thaon di Revel": Street("20159", 45.4893, 9.1932),
    "Via Federico Confalonieri": Street("20159", 45.4869, 9.1895),
    "Via Garigliano": Street("20159", 45.4876, 9.1884),
    "Via Sebenico": Street("20159", 45.4909, 9.1886),
    "Via Pollaiuolo": Street("20159", 45.4897, 9.1877),
    "Via Carmagnola": Street("20159", 45.4888, 9.1896),
    "Piazzale Archinto": Street("20159", 45.4892, 9.1888),
    "Via Volturno": Street("20159", 45.4889, 9.1915),
    "Via Gaetano de Castillia": Street("20159", 45.4859, 9.1921),
    "Via Porro Lambertenghi": Street("20159", 45.4876, 9.1871),
    "Via Medardo Rosso": Street("20159", 45.4868, 9.1876),
    "Via Jacopo Dal Verme": Street("20159", 45.4879, 9.1937),
    "Via Civerchio": Street("20159", 45.4901, 9.1942),
    "Via Toce": Street("20159", 45.4886, 9.1949),
    "Via Cola Montano": Street("20159", 45.4904, 9.1924),
    "Via Guglielmo Pepe": Street("20159", 45.4853, 9.1899),
    "Via Sassetti": Street("20159", 45.4880, 9.1948),
    # Elsewhere in Milan and in Sesto San Giovanni, outside the district box.
    "Via Giuseppe Colombo": Street("20133", 45.4792, 9.2287),
    "Via Conte Rosso": Street("20134", 45.4837, 9.2350),
    "Via Ventura": Street("20134", 45.4852, 9.2403),
    "Via Rubattino": Street("20134", 45.4795, 9.2505),
    "Ripa di Porta Ticinese": Street("20143", 45.4516, 9.1715),
    "Via Vigevano": Street("20144", 45.4560, 9.1720),
    "Viale Sabotino": Street("20135", 45.4525, 9.2010),
    "Via Padova": Street("20127", 45.4905, 9.2175),
    "Viale Antonio Gramsci": Street("20099", 45.5395, 9.2305, "Sesto San Giovanni"),
}


@dataclass(frozen=True, slots=True)
class Site:
    """A place where an organisation receives people."""

    name: str
    street: str
    number: str
    accessibility: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """One service; `at` indexes the organisation's sites (ignored unless IN_PERSON)."""

    name: str
    name_en: str | None
    codes: str
    text: str
    text_en: str | None
    prices: tuple[Price, ...]
    mode: str = IN_PERSON
    at: tuple[int, ...] = (0,)
    status: str = ACTIVE
    discount: int | None = None
    ages: tuple[int, int | None] | None = None
    eligibility: str | None = None
    langs: tuple[str, ...] | None = None
    book: bool = True


@dataclass(frozen=True, slots=True)
class Org:
    """An organisation with its places and services."""

    key: str
    name: str
    legal: str
    ateco: str
    text: str
    website: str | None
    email: str | None
    sites: tuple[Site, ...]
    offers: tuple[Offer, ...]
    langs: tuple[str, ...] = ("it",)


def free(note: str = "Nessun costo, su prenotazione") -> tuple[Price, ...]:
    """The single zero-amount cost option of a free service."""
    return (("Gratuito", 0, note),)


ALLIANCE: tuple[Org, ...] = (
    Org(
        key="isola-salute",
        name="Poliambulatorio Isola Salute",
        legal="S.r.l.",
        ateco="86.22.09",
        text=(
            "Poliambulatorio privato con specialisti in cardiologia, dermatologia, ginecologia "
            "e medicina dello sport. Convenzionato con i principali fondi sanitari integrativi."
        ),
        website="https://www.isolasalute.it",
        email="prenotazioni@isolasalute.it",
        sites=(
            Site(
                "Isola Salute – Via Borsieri",
                "Via Pietro Borsieri",
                "14",
                "Ingresso senza gradini, ascensore e bagno accessibile",
                "Accettazione al piano terra, ambulatori al primo piano",
            ),
            Site(
                "Isola Salute – Città Studi",
                "Via Giuseppe Colombo",
                "40",
                "Ingresso con rampa, ascensore",
            ),
        ),
        offers=(
            Offer(
                "Check-up cardiologico con ECG",
                "Cardiology check-up with ECG",
                "health-checkup",
                "Visita cardiologica completa di elettrocardiogramma a riposo e misurazione "
                "della pressione arteriosa. Il referto viene consegnato al termine della visita.",
                "Full cardiology consultation with a resting electrocardiogram and blood "
                "pressure measurement. The report is handed over at the end of the visit.",
                (("Visita con ECG", 120, "Referto incluso"),),
                at=(0, 1),
                discount=15,
                langs=("it", "en"),
            ),
            Offer(
                "Visita medico-sportiva non agonistica",
                "Non-competitive sports medical",
                "health-checkup",
                "Visita per il certificato di idoneità all'attività sportiva non agonistica, "
                "richiesto da palestre e società sportive. Include l'ECG a riposo e il "
                "certificato viene rilasciato in giornata.",
                "Medical examination for the non-competitive sports certificate required by "
                "gyms and sports clubs. Includes a resting ECG; the certificate is issued the "
                "same day.",
                (("Visita e certificato", 55, "ECG a riposo incluso"),),
            ),
            Offer(
                "Pacchetto prevenzione donna",
                "Women's prevention package",
                "health-checkup",
                "Visita ginecologica, ecografia pelvica e Pap test in un'unica mattina, con un "
                "solo appuntamento. Pensato per chi ha poco tempo tra lavoro e famiglia.",
                "Gynaecological visit, pelvic ultrasound and Pap test in a single morning with "
                "one appointment. Designed for people with little time between work and family.",
                (("Pacchetto completo", 180, "Tre prestazioni in un'unica seduta"),),
                at=(1,),
                langs=("it", "en", "es"),
            ),
            Offer(
                "Mappatura dei nei in dermatoscopia digitale",
                "Digital dermoscopy mole mapping",
                "health-checkup",
                "Controllo dermatologico dei nei con dermatoscopio digitale e archiviazione "
                "delle immagini per i controlli successivi. Consigliato una volta all'anno, "
                "soprattutto prima dell'estate.",
                "Dermatological mole check with a digital dermatoscope; the images are stored "
                "for follow-up checks. Recommended once a year, especially before summer.",
                (("Mappatura completa", 110, "Immagini archiviate per i controlli successivi"),),
                at=(1,),
            ),
            Offer(
                "Fisioterapia e terapia manuale",
                "Physiotherapy and manual therapy",
                "physiotherapy",
                "Sedute individuali di fisioterapia per mal di schiena, cervicalgia e recupero "
                "post-traumatico. Il primo incontro comprende una valutazione funzionale.",
                "One-to-one physiotherapy sessions for back pain, neck pain and post-injury "
                "recovery. The first session includes a functional assessment.",
                (
                    ("Seduta singola", 55, "45 minuti"),
                    ("Pacchetto 5 sedute", 250, "Da usare entro tre mesi"),
                ),
                at=(0, 1),
                discount=10,
                langs=("it", "en"),
            ),
            Offer(
                "Consulenza nutrizionale",
                "Nutrition consultation",
                "nutrition",
                "Prima visita con un biologo nutrizionista, analisi della composizione corporea "
                "e piano alimentare personalizzato. Il controllo dopo un mese è compreso nel "
                "prezzo.",
                "First visit with a nutritionist, body composition analysis and a personalised "
                "meal plan. A follow-up after one month is included in the price.",
                (("Prima visita e controllo", 90, "Piano alimentare incluso"),),
            ),
            Offer(
                "Prelievi ematici senza prenotazione",
                "Walk-in blood tests",
                "health-checkup",
                "Punto prelievi aperto dal lunedì al sabato dalle 7:30 alle 10:00, senza "
                "appuntamento. I referti si scaricano online in 24-48 ore.",
                "Blood-sampling point open Monday to Saturday from 7:30 to 10:00, no "
                "appointment needed. Results can be downloaded online within 24-48 hours.",
                (("Prelievo", 8, "Esami esclusi, tariffati a parte"),),
                book=False,
            ),
            Offer(
                "Televisita specialistica",
                "Specialist video consultation",
                "health-checkup",
                "Controlli e consulti di follow-up con cardiologo, dermatologo o endocrinologo "
                "in videochiamata, senza spostarsi dall'ufficio. Il referto firmato arriva via "
                "e-mail.",
                "Follow-up check-ups and consultations with a cardiologist, dermatologist or "
                "endocrinologist by video call, without leaving the office. The signed report "
                "arrives by email.",
                (("Televisita", 60, "Circa 20 minuti, referto via e-mail"),),
                mode=ONLINE,
            ),
        ),
    ),
    Org(
        key="fisioisola",
        name="Studio FisioIsola",
        legal="S.n.c.",
        ateco="86.90.21",
        text=(
            "Studio di fisioterapia e osteopatia nel cuore dell'Isola, specializzato in "
            "riabilitazione ortopedica e sportiva. Lavora in rete con i medici di base del "
            "quartiere."
        ),
        website="https://www.fisioisola.it",
        email="info@fisioisola.it",
        sites=(
            Site(
                "Studio FisioIsola",
                "Via Pastrengo",
                "9",
                "Rampa mobile all'ingresso su richiesta",
            ),
        ),
        offers=(
            Offer(
                "Fisioterapia a domicilio",
                "Physiotherapy at home",
                "physiotherapy",
                "Il fisioterapista raggiunge il paziente a casa con lettino e attrezzatura "
                "portatile. Indicata dopo interventi ortopedici o per chi ha difficoltà a "
                "spostarsi.",
                "The physiotherapist visits the patient at home with a portable couch and "
                "equipment. Suitable after orthopaedic surgery or for people who find it hard "
                "to get around.",
                (("Seduta a domicilio", 70, "Entro 3 km dallo studio"),),
                mode=AT_HOME,
                discount=10,
                eligibility="Residenti nel Municipio 9",
            ),
            Offer(
                "Osteopatia",
                "Osteopathy",
                "physiotherapy",
                "Trattamenti osteopatici per disturbi muscolo-scheletrici, cefalee tensive e "
                "problemi di postura. Ogni seduta dura circa 50 minuti.",
                "Osteopathic treatment for musculoskeletal problems, tension headaches and "
                "posture. Each session lasts about 50 minutes.",
                (("Seduta", 65, "50 minuti"),),
            ),
            Offer(
                "Rieducazione posturale di gruppo",
                "Group postural re-education",
                "physiotherapy fitness-sport",
                "Piccoli gruppi di massimo sei persone guidati da un fisioterapista, il martedì "
                "e il giovedì in pausa pranzo. Ideale per chi passa molte ore seduto alla "
                "scrivania.",
                "Small groups of up to six people led by a physiotherapist on Tuesdays and "
                "Thursdays at lunchtime. Ideal for anyone who spends long hours at a desk.",
                (
                    ("Lezione singola", 18, "60 minuti"),
                    ("Carnet 10 lezioni", 160, "Validità quattro mesi"),
                ),
                discount=15,
            ),
            Offer(
                "Valutazione posturale gratuita",
                "Free postural assessment",
                "physiotherapy",
                "Un primo incontro di 20 minuti per capire se la fisioterapia può aiutarti. "
                "Disponibile il primo sabato di ogni mese su prenotazione.",
                "A first 20-minute meeting to find out whether physiotherapy can help you. "
                "Available on the first Saturday of each month by appointment.",
                free(),
            ),
        ),
    ),
    Org(
        key="officina-fitness",
        name="Officina Fitness Isola",
        legal="S.r.l.",
        ateco="93.13.00",
        text=(
            "Palestra con sala attrezzi, corsi di gruppo e personal trainer, aperta dalle 7 "
            "alle 23. Dal 2024 ha una seconda sede a Lambrate."
        ),
        website="https://www.officinafitness.it",
        email="info@officinafitness.it",
        sites=(
            Site(
                "Officina Fitness – Isola",
                "Via Thaon di Revel",
                "21",
                "Ingresso senza gradini, spogliatoio accessibile",
            ),
            Site(
                "Officina Fitness – Lambrate",
                "Via Conte Rosso",
                "12",
                note="Nel cortile interno, secondo capannone a destra",
            ),
        ),
        offers=(
            Offer(
                "Abbonamento open sala attrezzi",
                "Open gym membership",
                "fitness-sport",
                "Accesso libero alla sala attrezzi e all'area cardio in entrambe le sedi, sette "
                "giorni su sette. Al primo ingresso un istruttore prepara una scheda di "
                "allenamento.",
                "Unlimited access to the weights room and cardio area at both gyms, seven days "
                "a week. On your first visit an instructor prepares a training plan.",
                (
                    ("Mensile", 55, "Accesso illimitato"),
                    ("Trimestrale", 145, "Tre mesi consecutivi"),
                    ("Annuale", 480, "Dodici mesi, iscrizione inclusa"),
                ),
                at=(0, 1),
                discount=20,
                langs=("it", "en"),
            ),
            Offer(
                "Functional training in pausa pranzo",
                "Lunchtime functional training",
                "fitness-sport",
                "Allenamento funzionale di 45 minuti dalle 13:00 alle 13:45, pensato per "
                "rientrare in ufficio in tempo. Docce veloci e asciugamano inclusi.",
                "A 45-minute functional workout from 13:00 to 13:45, timed so you are back at "
                "the office on time. Quick showers and towel included.",
                (
                    ("Ingresso singolo", 12, "Asciugamano incluso"),
                    ("Carnet 10 ingressi", 100, "Validità tre mesi"),
                ),
            ),
            Offer(
                "Personal training",
                "Personal training",
                "fitness-sport",
                "Sedute individuali con un personal trainer certificato, su obiettivi "
                "concordati: tonificazione, preparazione a una gara, ripresa dopo una pausa. "
                "Orari flessibili, anche la sera.",
                "One-to-one sessions with a certified personal trainer on agreed goals: toning, "
                "race preparation or getting back in shape after a break. Flexible times, "
                "evenings included.",
                (
                    ("Seduta singola", 50, "60 minuti"),
                    ("Pacchetto 10 sedute", 450, "Validità quattro mesi"),
                ),
                at=(0, 1),
                discount=10,
                langs=("it", "en"),
            ),
            Offer(
                "Spinning al mattino presto",
                "Early-morning indoor cycling",
                "fitness-sport",
                "Lezioni di indoor cycling alle 7:00 nella sede di Lambrate, con musica e "
                "istruttore. Dopo la lezione c'è tempo per la doccia e un caffè prima del "
                "lavoro.",
                "Indoor cycling classes at 7:00 at the Lambrate gym, with music and an "
                "instructor. Afterwards there is time for a shower and a coffee before work.",
                (
                    ("Lezione singola", 13, "50 minuti"),
                    ("Carnet 10 lezioni", 110, "Validità tre mesi"),
                ),
                at=(1,),
            ),
            Offer(
                "Corso di boxe amatoriale",
                "Amateur boxing course",
                "fitness-sport",
                "Corso di pugilato senza contatto per principianti, due sere alla settimana "
                "nella sede di Lambrate. I guantoni si possono prendere in prestito per le "
                "prime lezioni.",
                "Non-contact boxing course for beginners, two evenings a week at the Lambrate "
                "gym. Gloves can be borrowed for the first lessons.",
                (("Mensile", 60, "Due lezioni a settimana"),),
                at=(1,),
            ),
            Offer(
                "Ginnastica dolce over 65",
                "Gentle exercise for over-65s",
                "fitness-sport",
                "Lezioni di ginnastica dolce per la terza età, con esercizi di equilibrio e "
                "mobilità articolare. Il corso è gratuito per gli over 65 residenti nel "
                "quartiere grazie al contributo dell'alleanza.",
                "Gentle exercise classes for older people, with balance and joint mobility "
                "exercises. The course is free for over-65s living in the neighbourhood "
                "thanks to the alliance's support.",
                free("Gratuito per i residenti over 65"),
                ages=(65, None),
                eligibility="Over 65 residenti nel Municipio 9",
            ),
        ),
    ),
    Org(
        key="respiro-yoga",
        name="Spazio Respiro Yoga",
        legal="Associazione sportiva dilettantistica",
        ateco="85.51.00",
        text=(
            "Studio di yoga e meditazione in un ex laboratorio artigiano di Via Pollaiuolo. "
            "Propone lezioni per tutti i livelli, anche in inglese."
        ),
        website="https://www.spaziorespiro.it",
        email="ciao@spaziorespiro.it",
        sites=(
            Site(
                "Spazio Respiro",
                "Via Pollaiuolo",
                "5",
                "Un gradino all'ingresso, bagno al piano terra",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Hatha yoga per principianti",
                "Hatha yoga for beginners",
                "mind-body",
                "Lezioni lente e accessibili per imparare le posizioni di base e la "
                "respirazione. Tappetini e supporti sono messi a disposizione dallo studio.",
                "Slow, accessible classes to learn the basic postures and breathing. Mats and "
                "props are provided by the studio.",
                (
                    ("Lezione singola", 15, "75 minuti"),
                    ("Carnet 10 lezioni", 130, "Validità quattro mesi"),
                ),
                discount=15,
            ),
            Offer(
                "Vinyasa flow serale",
                "Evening vinyasa flow",
                "mind-body fitness-sport",
                "Una pratica dinamica che sincronizza movimento e respiro, alle 19:30 dal "
                "lunedì al giovedì. Adatta a chi ha già un po' di esperienza.",
                "A dynamic practice linking movement and breath, at 19:30 from Monday to "
                "Thursday. Suited to those with some experience.",
                (
                    ("Lezione singola", 17, "75 minuti"),
                    ("Mensile illimitato", 110, "Tutte le lezioni del calendario"),
                ),
            ),
            Offer(
                "Meditazione mindfulness in pausa pranzo",
                "Lunchtime mindfulness meditation",
                "mind-body psychological-support",
                "Trenta minuti di meditazione guidata per staccare dalla giornata di lavoro, il "
                "mercoledì alle 13:00. Non serve esperienza e si può partecipare anche in abiti "
                "da ufficio.",
                "Thirty minutes of guided meditation to step away from the working day, on "
                "Wednesdays at 13:00. No experience needed, and office clothes are fine.",
                free("Gratuito per i dipendenti delle aziende dell'alleanza"),
                eligibility="Dipendenti delle aziende aderenti all'alleanza",
            ),
            Offer(
                "Yoga in gravidanza",
                "Pregnancy yoga",
                "mind-body",
                "Lezioni dedicate alle future mamme dal secondo trimestre, con esercizi di "
                "respirazione e preparazione al parto. Serve il nulla osta del ginecologo.",
                "Classes for expectant mothers from the second trimester, with breathing "
                "exercises and birth preparation. A note from your gynaecologist is required.",
                (
                    ("Lezione singola", 18, "60 minuti"),
                    ("Ciclo di 8 lezioni", 130, "Un incontro a settimana"),
                ),
                discount=10,
                eligibility="Donne in gravidanza dal secondo trimestre",
            ),
            Offer(
                "Yoga online dal vivo",
                "Live online yoga",
                "mind-body",
                "Lezioni in diretta su piattaforma video il martedì e il venerdì alle 7:30, per "
                "iniziare la giornata muovendosi. La registrazione resta disponibile per 48 "
                "ore.",
                "Live classes on a video platform on Tuesdays and Fridays at 7:30, to start the "
                "day moving. The recording stays available for 48 hours.",
                (("Abbonamento mensile", 35, "Otto lezioni in diretta"),),
                mode=ONLINE,
                langs=("it", "en", "es"),
            ),
        ),
    ),
    Org(
        key="psicologia-isola",
        name="Studio Associato Psicologia Isola",
        legal="Associazione professionale",
        ateco="86.90.30",
        text=(
            "Studio di psicologi e psicoterapeuti che lavorano con adulti, coppie e "
            "adolescenti. Collabora con le aziende dell'alleanza sul benessere organizzativo e "
            "sullo stress lavoro-correlato."
        ),
        website="https://www.psicologiaisola.it",
        email="segreteria@psicologiaisola.it",
        sites=(
            Site(
                "Studio Psicologia Isola",
                "Via Carmagnola",
                "7",
                "Ascensore; bagno non adatto alle carrozzine",
                "Secondo piano, citofono «Studio Psicologia»",
            ),
        ),
        offers=(
            Offer(
                "Sportello d'ascolto psicologico",
                "Psychological listening desk",
                "psychological-support",
                "Fino a tre colloqui gratuiti con uno psicologo per affrontare un momento di "
                "difficoltà, al lavoro o in famiglia. Il servizio è riservato e non richiede la "
                "prescrizione del medico.",
                "Up to three free meetings with a psychologist to face a difficult time at work "
                "or at home. The service is confidential and needs no doctor's referral.",
                free("Fino a tre colloqui gratuiti"),
                eligibility="Dipendenti delle aziende aderenti all'alleanza e loro familiari",
                langs=("it", "en"),
            ),
            Offer(
                "Psicoterapia individuale",
                "Individual psychotherapy",
                "psychological-support",
                "Percorsi di psicoterapia a orientamento cognitivo-comportamentale per ansia, "
                "stress e umore basso. Gli appuntamenti sono disponibili anche in fascia serale.",
                "Cognitive-behavioural psychotherapy for anxiety, stress and low mood. Evening "
                "appointments are also available.",
                (("Seduta", 65, "50 minuti"),),
                discount=20,
                langs=("it", "en"),
            ),
            Offer(
                "Consulenza psicologica online",
                "Online psychological counselling",
                "psychological-support",
                "Colloqui in videochiamata per chi ha orari difficili o lavora spesso in "
                "trasferta. La piattaforma è protetta e conforme al GDPR.",
                "Video-call sessions for people with awkward hours or who often travel for "
                "work. The platform is secure and GDPR-compliant.",
                (("Seduta online", 55, "50 minuti in videochiamata"),),
                mode=ONLINE,
                langs=("it", "en", "fr"),
            ),
            Offer(
                "Gruppo di sostegno per neogenitori",
                "Support group for new parents",
                "caregiver-support",
                "Incontri quindicinali per mamme e papà nel primo anno di vita del bambino, "
                "condotti da una psicologa perinatale. Si può venire con il neonato.",
                "Fortnightly meetings for mums and dads in their baby's first year, led by a "
                "perinatal psychologist. Babies are welcome.",
                free("Incontri gratuiti, iscrizione richiesta"),
            ),
        ),
    ),
    Org(
        key="girotondo",
        name="Il Girotondo Cooperativa Sociale",
        legal="Società cooperativa sociale",
        ateco="88.91.00",
        text=(
            "Cooperativa sociale che gestisce due asili nido accreditati con il Comune di "
            "Milano e uno spazio gioco per famiglie. Educatrici con esperienza e cucina interna "
            "con menù stagionale."
        ),
        website="https://www.girotondonidi.it",
        email="nidi@girotondonidi.it",
        sites=(
            Site(
                "Nido Il Girotondo – Sebenico",
                "Via Sebenico",
                "12",
                "Tutto al piano terra, passeggini ammessi all'interno",
            ),
            Site(
                "Nido Il Girotondo – De Castillia",
                "Via Gaetano de Castillia",
                "30",
                "Ingresso senza gradini, fasciatoio accessibile",
                "Ingresso dal giardino condominiale",
            ),
        ),
        offers=(
            Offer(
                "Asilo nido a tempo pieno",
                "Full-time nursery",
                "early-childhood",
                "Nido per bambini dai 3 mesi ai 3 anni aperto dalle 7:30 alle 17:30, con pasti "
                "preparati nella cucina interna. L'inserimento graduale dura due settimane, con "
                "la presenza di un genitore.",
                "Nursery for children aged 3 months to 3 years, open from 7:30 to 17:30, with "
                "meals cooked in our own kitchen. Settling-in is gradual over two weeks, with a "
                "parent present.",
                (("Retta mensile tempo pieno", 690, "Dalle 7:30 alle 17:30, pasti inclusi"),),
                at=(0, 1),
                discount=10,
                ages=(0, 3),
                eligibility="Bambini dai 3 mesi ai 3 anni",
                langs=("it", "ar"),
            ),
            Offer(
                "Asilo nido part-time al mattino",
                "Part-time morning nursery",
                "early-childhood",
                "Frequenza dalle 8:00 alle 13:00 con pranzo, per famiglie con orari di lavoro "
                "ridotti o flessibili. Le attività seguono lo stesso progetto educativo del "
                "tempo pieno.",
                "Attendance from 8:00 to 13:00 with lunch, for families with reduced or "
                "flexible working hours. Activities follow the same educational plan as the "
                "full-time group.",
                (("Retta mensile part-time", 480, "Dalle 8:00 alle 13:00, pranzo incluso"),),
                ages=(0, 3),
            ),
            Offer(
                "Spazio gioco genitori e bambini",
                "Parent and toddler playgroup",
                "early-childhood",
                "Due mattine a settimana i bambini tra 1 e 3 anni giocano insieme a un adulto "
                "di riferimento e alle educatrici. Un'occasione per conoscere altre famiglie "
                "del quartiere.",
                "Two mornings a week, children aged 1 to 3 play alongside a parent or carer "
                "and our educators. A chance to meet other families in the neighbourhood.",
                (
                    ("Ingresso", 8, "Due ore di gioco"),
                    ("Tessera 10 ingressi", 70, "Validità sei mesi"),
                ),
                at=(1,),
                ages=(1, 3),
            ),
            Offer(
                "Sportello pedagogico per famiglie",
                "Parenting advice desk",
                "caregiver-support",
                "Una pedagogista risponde a dubbi su sonno, alimentazione, capricci e "
                "inserimento al nido. Colloqui di 45 minuti su appuntamento, aperti anche alle "
                "famiglie che non frequentano il nido.",
                "An educational consultant answers questions about sleep, feeding, tantrums "
                "and starting nursery. 45-minute meetings by appointment, open to families not "
                "enrolled at the nursery.",
                free(),
                langs=("it", "ar"),
            ),
            Offer(
                "Nido estivo di luglio",
                "July summer nursery",
                "early-childhood summer-camps",
                "Il nido resta aperto nelle prime tre settimane di luglio, anche per bambini "
                "non iscritti durante l'anno. Iscrizione settimanale, con pranzo e merenda "
                "inclusi.",
                "The nursery stays open for the first three weeks of July, also for children "
                "not enrolled during the year. Weekly enrolment, with lunch and snack included.",
                (("Settimana", 180, "Dalle 8:00 alle 16:30"),),
                ages=(0, 3),
            ),
        ),
    ),
    Org(
        key="piccole-radici",
        name="Piccole Radici Nido Bilingue",
        legal="S.r.l.",
        ateco="88.91.00",
        text=(
            "Nido e micronido bilingue italiano-inglese con giardino interno e orto didattico. "
            "Accoglie al massimo 30 bambini, divisi in piccoli gruppi."
        ),
        website="https://www.piccoleradici.it",
        email="info@piccoleradici.it",
        sites=(
            Site(
                "Piccole Radici",
                "Via Volturno",
                "33",
                "Ingresso senza gradini",
                "Ingresso dal cortile con il giardino",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Asilo nido bilingue italiano-inglese",
                "Bilingual Italian-English nursery",
                "early-childhood",
                "Un'educatrice madrelingua inglese affianca il gruppo per tutta la giornata, "
                "tra gioco, canzoni e routine. La cucina usa prodotti biologici e di stagione.",
                "A native English-speaking educator works with the group all day, through "
                "play, songs and daily routines. The kitchen uses organic, seasonal produce.",
                (
                    ("Retta mensile tempo pieno", 750, "Dalle 8:00 alle 18:00, pasti bio"),
                    ("Retta mensile part-time", 520, "Fino alle 13:00, pranzo incluso"),
                ),
                discount=10,
                ages=(0, 3),
            ),
            Offer(
                "Micronido Orto e Giardino",
                "Garden micro-nursery",
                "early-childhood",
                "Un piccolo gruppo di dieci bambini che trascorre molte ore all'aperto, nel "
                "giardino e nell'orto didattico. Le attività seguono le stagioni: semina, "
                "raccolta, travasi e pittura con colori naturali.",
                "A small group of ten children who spend much of the day outdoors in the "
                "garden and the teaching vegetable patch. Activities follow the seasons: "
                "sowing, harvesting, pouring and painting with natural colours.",
                (("Retta mensile", 620, "Dalle 8:30 alle 16:30"),),
                ages=(1, 3),
                langs=("it",),
            ),
            Offer(
                "Baby English del sabato",
                "Saturday Baby English",
                "early-childhood",
                "Incontri in inglese con canzoni, storie e giochi per bambini dai 18 ai 36 mesi "
                "insieme a un genitore. Un modo leggero per avvicinarsi alla lingua già da "
                "piccolissimi.",
                "English sessions with songs, stories and games for children aged 18 to 36 "
                "months with a parent. A gentle way to meet the language from a very early age.",
                (("Ciclo di 10 incontri", 150, "Un incontro a settimana"),),
                ages=(1, 3),
            ),
            Offer(
                "Baby-sitting serale al nido",
                "Evening babysitting at the nursery",
                "babysitting",
                "Il venerdì sera i bambini iscritti possono restare al nido con due educatrici "
                "mentre i genitori escono. Il servizio è sospeso fino a settembre per i lavori "
                "nel giardino.",
                "On Friday evenings enrolled children can stay at the nursery with two "
                "educators while their parents go out. The service is suspended until "
                "September while work is done in the garden.",
                (("Serata", 35, "Dalle 18:00 alle 22:00, cena inclusa"),),
                status=CLOSED,
                ages=(1, 3),
                eligibility="Bambini iscritti al nido",
            ),
        ),
    ),
    Org(
        key="filo-argento",
        name="Filo d'Argento Cooperativa Sociale",
        legal="Società cooperativa sociale",
        ateco="88.10.00",
        text=(
            "Cooperativa sociale di tipo A che dal 1998 assiste anziani e persone fragili a "
            "domicilio e nel centro diurno di Via Civerchio. Lavora con i servizi sociali del "
            "Municipio 9."
        ),
        website="https://www.filoargento.it",
        email="info@filoargento.it",
        sites=(
            Site(
                "Centro diurno Filo d'Argento",
                "Via Civerchio",
                "4",
                "Ingresso senza gradini, ascensore, bagni attrezzati",
            ),
        ),
        offers=(
            Offer(
                "Assistenza domiciliare anziani",
                "Home care for older people",
                "elderly-care",
                "Operatori socio-sanitari aiutano a casa nell'igiene personale, nella "
                "preparazione dei pasti e nelle piccole commissioni. Il piano di assistenza "
                "viene concordato con la famiglia dopo una visita gratuita.",
                "Qualified care workers help at home with personal hygiene, meal preparation "
                "and small errands. The care plan is agreed with the family after a free visit.",
                (
                    ("Ora di assistenza", 24, "Operatore socio-sanitario qualificato"),
                    ("Pacchetto 20 ore", 440, "Da usare entro un mese"),
                ),
                mode=AT_HOME,
                discount=15,
                ages=(65, None),
                langs=("it", "es"),
            ),
            Offer(
                "Centro diurno per anziani",
                "Day centre for older people",
                "elderly-care",
                "Uno spazio accogliente aperto dal lunedì al venerdì con attività di "
                "stimolazione cognitiva, ginnastica dolce e laboratori. Il pranzo è preparato "
                "ogni giorno e si può prenotare anche il trasporto.",
                "A welcoming space open Monday to Friday with cognitive stimulation, gentle "
                "exercise and workshops. Lunch is cooked daily and transport can be booked.",
                (
                    ("Giornata", 38, "Dalle 9:00 alle 17:00, pranzo incluso"),
                    ("Mezza giornata", 22, "Mattino o pomeriggio"),
                ),
                ages=(65, None),
            ),
            Offer(
                "Gruppo di auto mutuo aiuto per caregiver",
                "Peer support group for carers",
                "caregiver-support",
                "Chi si prende cura di un genitore anziano o di un familiare con demenza si "
                "incontra ogni due settimane con una psicologa. Condividere la fatica aiuta a "
                "sentirsi meno soli.",
                "People caring for an elderly parent or a relative with dementia meet every two "
                "weeks with a psychologist. Sharing the strain helps you feel less alone.",
                free(),
            ),
            Offer(
                "Telecompagnia e promemoria farmaci",
                "Phone companionship and medication reminders",
                "elderly-care",
                "Un'operatrice telefona ogni giorno all'anziano per fare due chiacchiere e "
                "ricordare l'assunzione dei farmaci. In caso di mancata risposta avvisa subito "
                "il familiare di riferimento.",
                "A care worker phones the older person every day for a chat and a reminder to "
                "take their medication. If there is no answer, the family contact is alerted "
                "at once.",
                (("Abbonamento mensile", 25, "Una chiamata al giorno"),),
                mode=ONLINE,
                ages=(65, None),
            ),
            Offer(
                "Sportello badanti e assistenti familiari",
                "Home carer matching desk",
                "caregiver-support",
                "Aiutiamo le famiglie a trovare un'assistente familiare referenziata, a "
                "definire il contratto e ad affrontare i primi giorni. L'operatrice resta "
                "disponibile anche dopo l'inserimento.",
                "We help families find a vetted home carer, set up the contract and get "
                "through the first days. Our staff remain available after the carer has "
                "started.",
                (("Selezione e inserimento", 150, "Una tantum"),),
                discount=20,
            ),
            Offer(
                "Sportello digitale per over 65",
                "Digital help desk for over-65s",
                "elderly-care",
                "Giovani volontari aiutavano gli anziani a usare lo smartphone, lo SPID e il "
                "fascicolo sanitario elettronico. Il progetto si è concluso a dicembre 2025.",
                "Young volunteers helped older people use smartphones, the SPID digital "
                "identity and the online health record. The project ended in December 2025.",
                free(),
                status=INACTIVE,
                ages=(65, None),
            ),
        ),
    ),
    Org(
        key="compiti-insieme",
        name="Compiti Insieme APS",
        legal="Associazione di promozione sociale",
        ateco="85.59.90",
        text=(
            "Associazione di educatori e insegnanti in pensione che dal 2012 segue i ragazzi "
            "del quartiere nello studio e nel tempo libero. Collabora con le scuole primarie e "
            "secondarie di Isola."
        ),
        website="https://www.compitiinsieme.org",
        email="info@compitiinsieme.org",
        sites=(
            Site(
                "Compiti Insieme – sala studio",
                "Via Garigliano",
                "8",
                "Sala al piano terra senza gradini",
            ),
        ),
        langs=("it", "ar"),
        offers=(
            Offer(
                "Doposcuola per la primaria",
                "After-school club for primary pupils",
                "after-school",
                "Dal lunedì al venerdì, dopo la scuola, i bambini fanno i compiti in piccoli "
                "gruppi con un educatore e poi giocano in cortile. Andiamo noi a prenderli "
                "all'uscita delle scuole del quartiere.",
                "Monday to Friday after school, children do their homework in small groups "
                "with an educator and then play in the courtyard. We collect them from the "
                "neighbourhood schools.",
                (
                    ("Mensile, 3 pomeriggi", 120, "Dalle 16:30 alle 18:30, merenda inclusa"),
                    ("Mensile, 5 pomeriggi", 180, "Dal lunedì al venerdì"),
                ),
                discount=30,
                ages=(6, 10),
            ),
            Offer(
                "Studio assistito per le medie",
                "Supervised study for middle school",
                "after-school",
                "Un metodo di studio per i ragazzi delle medie, con aiuto in matematica, "
                "inglese e italiano. Ogni educatore segue al massimo otto studenti.",
                "Helping middle-school students develop a study method, with support in maths, "
                "English and Italian. Each educator works with no more than eight students.",
                (("Mensile", 140, "Tre pomeriggi a settimana"),),
                ages=(11, 13),
            ),
            Offer(
                "Pre-scuola dalle 7:30",
                "Breakfast club from 7:30",
                "after-school",
                "Per i genitori che entrano presto al lavoro: accoglienza dalle 7:30 con "
                "colazione e accompagnamento a scuola a piedi. Il servizio copre le scuole "
                "primarie del quartiere.",
                "For parents who start work early: drop-off from 7:30 with breakfast and a "
                "walk to school. The service covers the neighbourhood's primary schools.",
                (("Mensile", 60, "Dalle 7:30 all'ingresso a scuola"),),
                ages=(6, 10),
            ),
            Offer(
                "Compiti online con tutor",
                "Online homework tutoring",
                "after-school",
                "Lezioni individuali in videochiamata per chi deve recuperare una materia o "
                "prepararsi a una verifica. I tutor sono studenti universitari selezionati "
                "dall'associazione.",
                "One-to-one video lessons for students catching up in a subject or preparing "
                "for a test. Tutors are university students selected by the association.",
                (("Ora di tutoraggio", 18, "Lezione individuale in videochiamata"),),
                mode=ONLINE,
                ages=(10, 13),
                langs=("it", "en"),
            ),
            Offer(
                "Italiano L2 per ragazzi",
                "Italian as a second language for children",
                "after-school",
                "Laboratori di italiano per bambini e ragazzi arrivati da poco in Italia, due "
                "pomeriggi a settimana. Perché imparare la lingua è il primo passo per sentirsi "
                "a casa a scuola.",
                "Italian workshops for children recently arrived in Italy, two afternoons a "
                "week. Because learning the language is the first step towards feeling at home "
                "at school.",
                free(),
                ages=(6, 13),
                langs=("it", "ar", "zh"),
            ),
        ),
    ),
    Org(
        key="la-pagina",
        name="La Pagina Libreria Caffè",
        legal="S.n.c.",
        ateco="47.61.00",
        text=(
            "Libreria indipendente con caffetteria, specializzata in narrativa, albi "
            "illustrati e libri sulla città. Organizza presentazioni, gruppi di lettura e "
            "letture per bambini."
        ),
        website="https://www.lapaginaisola.it",
        email="libreria@lapaginaisola.it",
        sites=(
            Site(
                "La Pagina – Libreria Caffè",
                "Via Medardo Rosso",
                "11",
                "Ingresso senza gradini, bagno accessibile",
            ),
        ),
        offers=(
            Offer(
                "Caffè letterario del giovedì",
                "Thursday literary café",
                "culture",
                "Ogni giovedì alle 18:30 un autore presenta il suo libro tra i tavoli della "
                "caffetteria, con un calice offerto dalla casa. L'ingresso è libero fino a "
                "esaurimento posti.",
                "Every Thursday at 18:30 an author presents their book among the café tables, "
                "with a glass of wine on the house. Free entry while seats last.",
                free("Ingresso libero fino a esaurimento posti"),
            ),
            Offer(
                "Gruppo di lettura in inglese",
                "English book club",
                "courses",
                "Un incontro al mese per discutere in inglese un romanzo contemporaneo, scelto "
                "insieme dal gruppo. Il livello consigliato è B2.",
                "A monthly meeting to discuss a contemporary novel in English, chosen together "
                "by the group. Recommended level: B2.",
                (("Quota mensile", 10, "Un incontro al mese, consumazione inclusa"),),
                langs=("it", "en"),
            ),
            Offer(
                "Letture animate per bambini",
                "Storytime for children",
                "culture",
                "Il sabato mattina le librarie leggono albi illustrati ai bambini dai 3 agli 8 "
                "anni, poi c'è un piccolo laboratorio. Nel frattempo i genitori possono "
                "prendere un caffè in libreria.",
                "On Saturday mornings the booksellers read picture books to children aged 3 to "
                "8, followed by a small craft activity. Meanwhile parents can enjoy a coffee in "
                "the shop.",
                free("Ingresso libero"),
                ages=(3, 8),
                book=False,
            ),
            Offer(
                "Laboratorio di scrittura autobiografica",
                "Memoir writing workshop",
                "courses",
                "Sei incontri serali per imparare a raccontare la propria storia, guidati da "
                "una scrittrice ed editor. Si lavora su brevi testi letti e commentati insieme.",
                "Six evening sessions on telling your own story, led by a writer and editor. "
                "Participants work on short texts read and discussed together.",
                (("Ciclo di 6 incontri", 150, "Materiali inclusi"),),
                discount=15,
            ),
            Offer(
                "Tavolo studio con caffè incluso",
                "Study table with coffee included",
                "smart-working",
                "Al mattino la sala interna diventa uno spazio tranquillo per lavorare al "
                "computer, con wi-fi veloce e prese a ogni tavolo. Il caffè è compreso nel "
                "prezzo.",
                "In the mornings the back room becomes a quiet place to work on your laptop, "
                "with fast wi-fi and sockets at every table. Coffee is included in the price.",
                (
                    ("Mezza giornata", 8, "Caffè e acqua inclusi"),
                    ("Giornata intera", 14, "Caffè, acqua e una fetta di torta"),
                ),
            ),
        ),
    ),
    Org(
        key="teatro-cortile",
        name="Teatro del Cortile",
        legal="Società cooperativa",
        ateco="90.04.00",
        text=(
            "Piccolo teatro di 120 posti ricavato in una casa di ringhiera, con stagione di "
            "prosa, teatro ragazzi e laboratori. Un punto di riferimento per la vita culturale "
            "del quartiere."
        ),
        website="https://www.teatrodelcortile.it",
        email="biglietteria@teatrodelcortile.it",
        sites=(
            Site(
                "Teatro del Cortile",
                "Via Porro Lambertenghi",
                "18",
                "Platea accessibile in carrozzina, con posti riservati",
                "Ingresso dal cortile; la biglietteria apre un'ora prima dello spettacolo",
            ),
        ),
        offers=(
            Offer(
                "Stagione serale di prosa",
                "Evening drama season",
                "culture",
                "Da ottobre a maggio spettacoli di compagnie indipendenti italiane, dal giovedì "
                "alla domenica. Dopo la replica della domenica c'è spesso un incontro con gli "
                "attori.",
                "From October to May, shows by independent Italian companies from Thursday to "
                "Sunday. The Sunday performance is often followed by a talk with the actors.",
                (
                    ("Intero", 18, "Posto unico"),
                    ("Ridotto", 12, "Under 26 e over 65"),
                    ("Abbonamento 6 spettacoli", 84, "A scelta nella stagione"),
                ),
                discount=20,
            ),
            Offer(
                "Teatro ragazzi la domenica pomeriggio",
                "Sunday afternoon children's theatre",
                "culture",
                "Spettacoli per famiglie con bambini dai 3 ai 10 anni, la domenica alle 16:00. "
                "Fiabe, burattini e teatro d'ombre, in un'ora di spettacolo.",
                "Family shows for children aged 3 to 10 on Sundays at 16:00. Fairy tales, "
                "puppets and shadow theatre, one hour long.",
                (("Biglietto unico", 8, "Bambini e adulti"),),
                ages=(3, 10),
            ),
            Offer(
                "Laboratorio di teatro per adulti",
                "Drama workshop for adults",
                "courses",
                "Un percorso per mettersi in gioco con voce, corpo e improvvisazione, senza "
                "esperienza richiesta. Il laboratorio è sospeso mentre la compagnia prepara la "
                "nuova produzione e riprenderà in autunno.",
                "A course to get involved with voice, body and improvisation; no experience "
                "required. The workshop is paused while the company prepares its new "
                "production and will resume in the autumn.",
                (("Quota trimestrale", 210, "Un incontro serale a settimana"),),
                status=CLOSED,
            ),
            Offer(
                "Laboratorio teatrale per ragazzi",
                "Drama club for teenagers",
                "courses",
                "Un pomeriggio a settimana i ragazzi dagli 11 ai 17 anni lavorano con due "
                "attori professionisti. A fine anno portano in scena uno spettacolo scritto "
                "insieme.",
                "One afternoon a week, young people aged 11 to 17 work with two professional "
                "actors. At the end of the year they stage a show they have written together.",
                (("Quota annuale", 320, "Da ottobre a maggio, spettacolo finale"),),
                ages=(11, 17),
            ),
            Offer(
                "Campus estivo di teatro",
                "Summer drama camp",
                "summer-camps",
                "Nelle ultime due settimane di giugno bambini e ragazzi preparano uno "
                "spettacolo tra giochi di gruppo, scenografie e costumi. Il venerdì c'è la "
                "restituzione aperta alle famiglie.",
                "In the last two weeks of June children put together a show through group "
                "games, sets and costumes. On Friday there is a performance for families.",
                (("Settimana", 190, "Dalle 9:00 alle 17:00, pranzo incluso"),),
                ages=(6, 14),
            ),
        ),
    ),
    Org(
        key="bolla-blu",
        name="Lavanderia Bolla Blu",
        legal="S.n.c.",
        ateco="96.01.20",
        text=(
            "Lavanderia e stireria di quartiere con servizio di ritiro e consegna per chi "
            "lavora in zona. Usa detersivi a basso impatto ambientale."
        ),
        website="https://www.lavanderiabollablu.it",
        email="info@lavanderiabollablu.it",
        sites=(
            Site(
                "Lavanderia Bolla Blu",
                "Via Federico Confalonieri",
                "15",
                "Un gradino all'ingresso",
            ),
        ),
        offers=(
            Offer(
                "Lavaggio e stiratura camicie",
                "Shirt washing and ironing",
                "laundry",
                "Camicie lavate, stirate a mano e consegnate su gruccia in 48 ore. Con il "
                "pacchetto da dieci il prezzo scende a 3 euro a capo.",
                "Shirts washed, hand-ironed and returned on hangers within 48 hours. With the "
                "ten-shirt bundle the price drops to 3 euros each.",
                (
                    ("Camicia", 3.5, "Lavata e stirata su gruccia"),
                    ("Pacchetto 10 camicie", 30, "Consegna in 48 ore"),
                ),
                discount=15,
            ),
            Offer(
                "Ritiro e consegna del bucato",
                "Laundry pick-up and delivery",
                "laundry",
                "Passiamo a ritirare il bucato in ufficio o a casa il lunedì e il giovedì e lo "
                "riportiamo pulito e stirato. Il servizio copre tutto il quartiere Isola e "
                "Porta Nuova.",
                "We collect laundry from your office or home on Mondays and Thursdays and bring "
                "it back clean and ironed. The service covers the whole of Isola and Porta "
                "Nuova.",
                (("Ritiro e consegna", 5, "Gratuito sopra i 30 euro di lavaggi"),),
                mode=AT_HOME,
            ),
            Offer(
                "Lavaggio piumoni e tende",
                "Duvet and curtain cleaning",
                "laundry",
                "Lavaggio di piumoni, coperte e tende con macchinari professionali di grande "
                "capacità. I capi sono pronti in tre giorni lavorativi.",
                "Cleaning of duvets, blankets and curtains in large professional machines. "
                "Ready in three working days.",
                (
                    ("Piumone singolo", 18, "Lavaggio ad acqua"),
                    ("Piumone matrimoniale", 25, "Lavaggio ad acqua"),
                    ("Tende", 6, "Al metro lineare"),
                ),
            ),
            Offer(
                "Lavanderia self-service",
                "Self-service launderette",
                "laundry",
                "Lavatrici e asciugatrici a gettone disponibili tutti i giorni dalle 7:00 alle "
                "22:00. L'area self-service è chiusa fino a fine mese per la sostituzione delle "
                "macchine.",
                "Coin-operated washers and dryers available every day from 7:00 to 22:00. The "
                "self-service area is closed until the end of the month while the machines are "
                "replaced.",
                (
                    ("Lavaggio 8 kg", 5, "Detersivo incluso"),
                    ("Asciugatura 20 minuti", 4, "Un gettone"),
                ),
                status=CLOSED,
                book=False,
            ),
        ),
    ),
    Org(
        key="isola-desk",
        name="Isola Desk Coworking",
        legal="S.r.l.",
        ateco="82.11.02",
        text=(
            "Coworking su due sedi con postazioni libere, uffici privati e sale riunioni. "
            "Ospita freelance, startup e i dipendenti in smart working delle aziende del "
            "quartiere."
        ),
        website="https://www.isoladesk.it",
        email="hello@isoladesk.it",
        sites=(
            Site(
                "Isola Desk – Borsieri",
                "Via Pietro Borsieri",
                "41",
                "Ingresso senza gradini, ascensore, bagno accessibile",
            ),
            Site(
                "Isola Desk – Archinto",
                "Piazzale Archinto",
                "3",
                "Ascensore",
                "Terzo piano, reception all'ingresso",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Postazione flessibile giornaliera",
                "Flexible desk day pass",
                "coworking",
                "Una scrivania libera in open space con wi-fi in fibra, stampante e caffè "
                "illimitato. Si prenota dall'app, anche la mattina stessa.",
                "A hot desk in the open space with fibre wi-fi, printer and unlimited coffee. "
                "Book through the app, even on the same morning.",
                (
                    ("Giornata", 20, "Dalle 8:30 alle 19:30, caffè incluso"),
                    ("Carnet 10 giornate", 170, "Validità tre mesi"),
                ),
                at=(0, 1),
                discount=15,
            ),
            Offer(
                "Scrivania fissa mensile",
                "Monthly dedicated desk",
                "coworking",
                "Una scrivania tutta tua con cassettiera, accesso 24 ore su 24 e 5 ore di sala "
                "riunioni incluse ogni mese. Contratto mensile senza vincoli.",
                "A desk of your own with a lockable drawer unit, 24/7 access and 5 hours of "
                "meeting room time included each month. Monthly contract, no lock-in.",
                (("Mensile", 260, "Accesso 24/7, cassettiera con chiave"),),
            ),
            Offer(
                "Sala riunioni Garibaldi",
                "Garibaldi meeting room",
                "meeting-rooms",
                "Sala per otto persone con schermo da 65 pollici, lavagna e sistema per "
                "videoconferenze. Dalle finestre si vedono i grattacieli di Porta Nuova.",
                "A room for eight with a 65-inch screen, whiteboard and video-conferencing kit. "
                "The windows look out on the Porta Nuova skyscrapers.",
                (
                    ("Ora", 30, "Fino a 8 persone"),
                    ("Mezza giornata", 100, "4 ore"),
                    ("Giornata", 180, "8 ore, caffè per i partecipanti"),
                ),
            ),
            Offer(
                "Domiciliazione della sede legale",
                "Registered office address",
                "business-services",
                "Sede legale e indirizzo commerciale in Piazzale Archinto, con ricezione e "
                "scansione della posta. Utile per liberi professionisti e società appena "
                "costituite.",
                "A registered office and business address in Piazzale Archinto, with mail "
                "handling and scanning. Useful for freelancers and newly formed companies.",
                (("Annuale", 420, "Gestione della posta inclusa"),),
                at=(1,),
            ),
            Offer(
                "Smart working di quartiere per dipendenti",
                "Neighbourhood smart-working for employees",
                "smart-working",
                "Per chi lavora da remoto ma non vuole stare a casa: una postazione a pochi "
                "minuti a piedi, con tariffa convenzionata per le aziende dell'alleanza. "
                "Include cabine telefoniche per le call.",
                "For remote workers who would rather not stay at home: a desk a few minutes' "
                "walk away, at a special rate for alliance companies. Includes phone booths "
                "for calls.",
                (
                    ("Giornata", 15, "Tariffa convenzionata"),
                    ("Pacchetto 8 giornate al mese", 110, "Rinnovo mensile"),
                ),
                at=(0, 1),
                eligibility="Dipendenti delle aziende dell'alleanza Milano Concilia 4.0",
            ),
            Offer(
                "Colazioni di networking",
                "Networking breakfasts",
                "career",
                "Il primo venerdì del mese alle 8:30 membri del coworking e ospiti si "
                "presentano in due minuti a testa, davanti a caffè e brioche. Un modo semplice "
                "per trovare collaboratori e clienti in città.",
                "On the first Friday of the month at 8:30, coworking members and guests "
                "introduce themselves in two minutes each, over coffee and croissants. A simple "
                "way to find collaborators and clients in the city.",
                free("Ingresso libero con iscrizione"),
            ),
        ),
    ),
    Org(
        key="nodo",
        name="Nodo Spazi di Lavoro",
        legal="S.r.l.",
        ateco="82.11.02",
        text=(
            "Rete di due coworking tra Isola e Navigli, con spazi silenziosi, cabine per le "
            "call e una cucina condivisa. Organizza corsi serali di competenze digitali."
        ),
        website="https://www.nodospazi.it",
        email="info@nodospazi.it",
        sites=(
            Site(
                "Nodo Isola",
                "Via Gaetano de Castillia",
                "23",
                "Ingresso senza gradini, ascensore",
            ),
            Site(
                "Nodo Navigli",
                "Ripa di Porta Ticinese",
                "55",
                "Piano terra, ingresso senza gradini",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Abbonamento coworking mensile",
                "Monthly coworking membership",
                "coworking",
                "Accesso illimitato alle due sedi di Isola e Navigli, con armadietto personale "
                "e 3 ore di sala riunioni al mese. Ideale per chi si sposta in città per "
                "lavoro.",
                "Unlimited access to both the Isola and Navigli spaces, with a personal locker "
                "and 3 hours of meeting room time a month. Ideal for people who move around "
                "the city for work.",
                (
                    ("Mensile flessibile", 190, "Postazione libera, entrambe le sedi"),
                    ("Mensile fisso", 290, "Scrivania dedicata"),
                ),
                at=(0, 1),
                discount=10,
            ),
            Offer(
                "Cabina per videochiamate",
                "Video-call booth",
                "smart-working",
                "Cabine insonorizzate con luce frontale, webcam e monitor, prenotabili a ore. "
                "Perfette per un colloquio o una riunione importante quando a casa non c'è "
                "silenzio.",
                "Soundproof booths with front lighting, webcam and monitor, bookable by the "
                "hour. Perfect for an interview or an important meeting when home is not quiet.",
                (("Ora", 6, "Cabina insonorizzata"),),
            ),
            Offer(
                "Giornata in coworking ai Navigli",
                "Day pass at Nodo Navigli",
                "coworking",
                "Postazione libera per una giornata nella sede sul Naviglio, con terrazza e "
                "cucina condivisa. Si paga all'ingresso, senza abbonamento.",
                "A hot desk for the day at the canal-side space, with a terrace and shared "
                "kitchen. Pay on arrival, no membership needed.",
                (("Giornata", 18, "Wi-fi e caffè inclusi"),),
                at=(1,),
            ),
            Offer(
                "Sala workshop Navigli",
                "Navigli workshop room",
                "meeting-rooms",
                "Una sala luminosa per 20 persone per formazioni, workshop e riunioni di team. "
                "Su richiesta si organizza il catering con produttori della zona.",
                "A bright room for 20 people for training sessions, workshops and team "
                "meetings. Catering from local producers can be arranged on request.",
                (
                    ("Mezza giornata", 160, "Fino a 20 persone"),
                    ("Giornata", 280, "Proiettore e flipchart inclusi"),
                ),
                at=(1,),
            ),
            Offer(
                "Corso serale di competenze digitali",
                "Evening digital skills course",
                "career",
                "Otto serate per imparare a usare fogli di calcolo, strumenti di collaborazione "
                "online e le basi dell'intelligenza artificiale in ufficio. Pensato per chi "
                "rientra al lavoro o vuole cambiare ruolo.",
                "Eight evenings to learn spreadsheets, online collaboration tools and the "
                "basics of AI at work. Designed for people returning to work or looking to "
                "change role.",
                (("Corso di 8 serate", 240, "Attestato di frequenza"),),
                at=(1,),
                discount=30,
            ),
        ),
    ),
    Org(
        key="studio-ferrandi",
        name="Studio Ferrandi Brambilla & Associati",
        legal="Società tra professionisti S.r.l.",
        ateco="69.20.11",
        text=(
            "Studio di dottori commercialisti che assiste famiglie, professionisti e piccole "
            "imprese del quartiere. Offre agli aderenti all'alleanza tariffe agevolate per le "
            "pratiche più comuni."
        ),
        website="https://www.studioferrandi.it",
        email="studio@studioferrandi.it",
        sites=(
            Site(
                "Studio Ferrandi Brambilla",
                "Via Thaon di Revel",
                "8",
                "Ascensore; due gradini all'ingresso del palazzo",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Dichiarazione dei redditi 730",
                "730 tax return",
                "business-services",
                "Compiliamo e inviamo il modello 730, controllando le detrazioni per spese "
                "mediche, scuola e affitto. In primavera ci sono appuntamenti anche il sabato "
                "mattina.",
                "We prepare and file the 730 tax return, checking deductions for medical, "
                "school and rent expenses. In spring there are Saturday morning appointments "
                "too.",
                (
                    ("730 singolo", 60, "Con i documenti già raccolti"),
                    ("730 congiunto", 95, "Per le coppie"),
                ),
                discount=20,
            ),
            Offer(
                "Apertura partita IVA e regime forfettario",
                "Opening a VAT number under the flat-rate scheme",
                "business-services",
                "Consulenza per scegliere il regime fiscale, apertura della partita IVA e "
                "iscrizione agli enti previdenziali. Ideale per chi inizia un'attività da "
                "freelance.",
                "Advice on choosing a tax regime, opening a VAT number and registering with "
                "the pension bodies. Ideal for people starting out as freelancers.",
                (("Apertura e consulenza iniziale", 180, "Iscrizioni incluse"),),
            ),
            Offer(
                "Sportello fiscale online",
                "Online tax help desk",
                "business-services",
                "Una videochiamata di mezz'ora con un commercialista per dubbi su tasse, bonus "
                "e contributi. Si prenota online e gli appunti della consulenza arrivano per "
                "e-mail.",
                "A half-hour video call with an accountant for questions about taxes, bonuses "
                "and contributions. Book online; notes of the session arrive by email.",
                (("Videoconsulenza di 30 minuti", 40, "Domande su tasse e contributi"),),
                mode=ONLINE,
            ),
            Offer(
                "Contratti per colf e badanti",
                "Contracts for domestic workers and carers",
                "caregiver-support",
                "Gestiamo assunzione, buste paga e contributi di colf e assistenti familiari, "
                "così la famiglia è in regola senza pensieri. Ricordiamo noi le scadenze "
                "trimestrali.",
                "We handle hiring, payslips and contributions for domestic workers and home "
                "carers, so families stay compliant without worry. We keep track of the "
                "quarterly deadlines.",
                (
                    ("Assunzione", 90, "Comunicazione all'INPS inclusa"),
                    ("Gestione annuale", 240, "Buste paga e contributi"),
                ),
            ),
        ),
    ),
    Org(
        key="babel",
        name="Babel Scuola di Lingue",
        legal="S.r.l.",
        ateco="85.59.30",
        text=(
            "Scuola di lingue con insegnanti madrelingua e corsi per adulti, ragazzi e "
            "aziende. È centro d'esame per le certificazioni internazionali di inglese e "
            "spagnolo."
        ),
        website="https://www.babelscuola.it",
        email="info@babelscuola.it",
        sites=(
            Site("Babel – Isola", "Via Sassetti", "19", "Ascensore, bagno accessibile"),
            Site("Babel – Navigli", "Via Vigevano", "18", note="Primo piano, scala B"),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Corso di inglese serale",
                "Evening English course",
                "courses",
                "Corsi di gruppo dal livello A1 al C1, due sere a settimana, con test "
                "d'ingresso gratuito. Le classi hanno al massimo otto persone.",
                "Group courses from A1 to C1, two evenings a week, with a free placement test. "
                "Classes have no more than eight people.",
                (("Corso trimestrale", 390, "24 ore in gruppi di 6-8 persone"),),
                at=(0, 1),
                discount=15,
            ),
            Offer(
                "Business English per professionisti",
                "Business English for professionals",
                "career",
                "Lezioni individuali su presentazioni, riunioni, e-mail e negoziazione in "
                "inglese. Il programma si costruisce sul lavoro reale dello studente.",
                "One-to-one lessons on presentations, meetings, emails and negotiation in "
                "English. The syllabus is built around the student's real work.",
                (
                    ("Lezione individuale", 45, "60 minuti"),
                    ("Pacchetto 20 lezioni", 820, "Anche in azienda"),
                ),
            ),
            Offer(
                "Corso di spagnolo",
                "Spanish course",
                "courses",
                "Spagnolo di base e intermedio con insegnanti madrelingua, il lunedì e il "
                "mercoledì sera nella sede dei Navigli. Ogni mese c'è una serata di "
                "conversazione con aperitivo.",
                "Beginner and intermediate Spanish with native-speaker teachers, on Monday and "
                "Wednesday evenings at the Navigli school. Every month there is a conversation "
                "evening with aperitivo.",
                (("Corso trimestrale", 360, "24 ore in gruppo"),),
                at=(1,),
                langs=("it", "es"),
            ),
            Offer(
                "Italiano per stranieri",
                "Italian for foreigners",
                "courses",
                "Corso di italiano del sabato mattina per i lavoratori stranieri delle aziende "
                "del quartiere e per i loro familiari. I materiali sono gratuiti e il corso "
                "prepara alla certificazione A2.",
                "A Saturday-morning Italian course for foreign workers at neighbourhood "
                "companies and their families. Materials are free and the course prepares for "
                "the A2 certificate.",
                free("Corso e materiali gratuiti"),
                eligibility="Lavoratori stranieri delle aziende aderenti all'alleanza e loro "
                "familiari",
                langs=("it", "en", "es", "fr", "ar", "zh"),
            ),
            Offer(
                "Cinese per bambini",
                "Chinese for children",
                "courses",
                "Un corso di cinese mandarino per bambini della primaria, tra giochi, canzoni e "
                "calligrafia. Il corso non è più attivo per mancanza di iscrizioni.",
                "Mandarin Chinese for primary school children through games, songs and "
                "calligraphy. The course is no longer running owing to low enrolment.",
                (("Corso annuale", 420, "Un pomeriggio a settimana"),),
                status=INACTIVE,
                ages=(6, 11),
                langs=("it", "zh"),
            ),
            Offer(
                "Conversazione in inglese online",
                "Online English conversation",
                "courses",
                "Sessioni di conversazione di 45 minuti in piccoli gruppi, su temi di attualità "
                "e di lavoro. Si partecipa da casa o dall'ufficio con un semplice link.",
                "45-minute conversation sessions in small groups on current affairs and work "
                "topics. Join from home or the office with a simple link.",
                (("Abbonamento mensile", 59, "Quattro sessioni di gruppo"),),
                mode=ONLINE,
            ),
            Offer(
                "Centro estivo in inglese",
                "English summer camp",
                "summer-camps",
                "Settimane estive con insegnanti madrelingua nella sede dei Navigli, tra "
                "giochi, sport e piccoli progetti in inglese. I gruppi sono divisi per età.",
                "Summer weeks with native-speaker teachers at the Navigli school, mixing "
                "games, sport and small projects in English. Groups are divided by age.",
                (("Settimana", 210, "Dalle 8:30 alle 16:30, pranzo incluso"),),
                at=(1,),
                ages=(6, 12),
            ),
        ),
    ),
    Org(
        key="farmacia-isola-nuova",
        name="Farmacia Isola Nuova",
        legal="S.n.c.",
        ateco="47.73.10",
        text=(
            "Farmacia di quartiere aperta con orario continuato dalle 8:30 alle 20:00, con "
            "servizi di telemedicina e analisi di prima istanza. Il personale parla italiano, "
            "inglese e spagnolo."
        ),
        website="https://www.farmaciaisolanuova.it",
        email="info@farmaciaisolanuova.it",
        sites=(
            Site(
                "Farmacia Isola Nuova",
                "Via Pastrengo",
                "2",
                "Ingresso senza gradini, porte automatiche",
            ),
        ),
        langs=("it", "en", "es"),
        offers=(
            Offer(
                "Misurazione della pressione",
                "Blood pressure check",
                "health-checkup",
                "Misurazione gratuita della pressione arteriosa al banco, senza appuntamento. "
                "Su richiesta il farmacista annota i valori su un diario da portare al medico.",
                "Free blood pressure check at the counter, no appointment needed. On request "
                "the pharmacist records the readings in a diary for your doctor.",
                free("Senza appuntamento"),
                book=False,
            ),
            Offer(
                "Holter pressorio ed ECG in telemedicina",
                "Blood pressure Holter and tele-ECG",
                "health-checkup",
                "Elettrocardiogramma e holter pressorio eseguiti in farmacia e refertati a "
                "distanza da un cardiologo. Evita le liste d'attesa per i controlli di routine.",
                "ECG and 24-hour blood pressure monitoring carried out at the pharmacy and "
                "reported remotely by a cardiologist. Avoids waiting lists for routine checks.",
                (
                    ("ECG con referto", 35, "Referto del cardiologo in giornata"),
                    ("Holter pressorio 24 ore", 50, "Referto in 48 ore"),
                ),
                discount=10,
            ),
            Offer(
                "Screening glicemia e colesterolo",
                "Blood sugar and cholesterol screening",
                "health-checkup nutrition",
                "Con una goccia di sangue dal polpastrello misuriamo glicemia, colesterolo e "
                "trigliceridi in pochi minuti. Il farmacista commenta con te i risultati.",
                "With a drop of blood from a fingertip we measure blood sugar, cholesterol and "
                "triglycerides in a few minutes. The pharmacist goes through the results with "
                "you.",
                (("Profilo completo", 15, "Glicemia, colesterolo e trigliceridi"),),
            ),
            Offer(
                "Consegna farmaci a domicilio",
                "Medicine home delivery",
                "elderly-care",
                "Consegna gratuita dei farmaci a casa per gli over 65 e le persone con mobilità "
                "ridotta, entro il giorno lavorativo successivo. Si ordina per telefono o "
                "e-mail indicando il numero della ricetta.",
                "Free home delivery of medicines for over-65s and people with reduced "
                "mobility, by the next working day. Order by phone or email with your "
                "prescription number.",
                free("Consegna gratuita"),
                mode=AT_HOME,
                ages=(65, None),
                eligibility="Over 65 e persone con mobilità ridotta residenti a Isola",
            ),
            Offer(
                "Vaccinazione antinfluenzale in farmacia",
                "Flu vaccination at the pharmacy",
                "health-checkup",
                "Somministrazione del vaccino antinfluenzale da parte del farmacista, su "
                "prenotazione. La campagna 2025-2026 è terminata e riaprirà in autunno.",
                "Flu vaccination given by the pharmacist, by appointment. The 2025-2026 "
                "campaign has ended and will reopen in the autumn.",
                (("Vaccino e somministrazione", 22, "Vaccino quadrivalente incluso"),),
                status=CLOSED,
            ),
        ),
    ),
    Org(
        key="isola-sport-ragazzi",
        name="Isola Sport Ragazzi ASD",
        legal="Associazione sportiva dilettantistica",
        ateco="93.12.00",
        text=(
            "Associazione sportiva che da vent'anni organizza calcio, basket e centri estivi "
            "per bambini e ragazzi del quartiere. Usa le palestre scolastiche e il campo di "
            "Via Toce."
        ),
        website="https://www.isolasportragazzi.it",
        email="segreteria@isolasportragazzi.it",
        sites=(
            Site(
                "Campo sportivo di Via Toce",
                "Via Toce",
                "10",
                "Spogliatoi e tribuna accessibili",
            ),
        ),
        offers=(
            Offer(
                "Centro estivo sportivo",
                "Sports summer camp",
                "summer-camps",
                "Da metà giugno a fine luglio, ogni giorno uno sport diverso: calcio, basket, "
                "atletica e giochi d'acqua. Gli istruttori sono laureati in scienze motorie.",
                "From mid-June to the end of July, a different sport every day: football, "
                "basketball, athletics and water games. Instructors hold sports science "
                "degrees.",
                (
                    ("Settimana", 160, "Dalle 8:00 alle 17:00, pranzo incluso"),
                    ("Quattro settimane", 580, "Anche non consecutive"),
                ),
                discount=15,
                ages=(6, 14),
            ),
            Offer(
                "Camp di Natale",
                "Christmas holiday camp",
                "summer-camps",
                "Durante le vacanze di Natale, quando le scuole sono chiuse ma i genitori "
                "lavorano, giornate di sport e giochi in palestra. Si può iscrivere il bambino "
                "anche per una sola giornata.",
                "Over the Christmas holidays, when schools are closed but parents are working, "
                "days of sport and games in the gym. Children can be enrolled for single days.",
                (
                    ("Giornata", 38, "Pranzo incluso"),
                    ("Pacchetto 5 giornate", 170, "Tra Natale e l'Epifania"),
                ),
                discount=10,
                ages=(6, 12),
            ),
            Offer(
                "Scuola calcio",
                "Football school",
                "fitness-sport",
                "Allenamenti due volte a settimana per bambini dai 5 ai 12 anni, con "
                "attenzione al gioco e al rispetto prima che al risultato. Kit e assicurazione "
                "inclusi.",
                "Training twice a week for children aged 5 to 12, putting play and respect "
                "before results. Kit and insurance included.",
                (("Quota annuale", 380, "Due allenamenti a settimana, kit incluso"),),
                ages=(5, 12),
            ),
            Offer(
                "Sport dopo la scuola con ritiro",
                "After-school sport with pick-up",
                "after-school",
                "Gli istruttori prendono i bambini all'uscita di scuola e li accompagnano in "
                "palestra: dopo la merenda si fanno sport e compiti. I genitori li ritirano "
                "entro le 18:30.",
                "Our coaches collect children from school and walk them to the gym; after a "
                "snack there is time for sport and homework. Parents pick them up by 18:30.",
                (("Mensile", 150, "Tre pomeriggi, ritiro a scuola incluso"),),
                ages=(6, 11),
            ),
        ),
    ),
    Org(
        key="raggi-pedali",
        name="Raggi & Pedali Bike Lab",
        legal="S.n.c.",
        ateco="95.29.02",
        text=(
            "Officina di biciclette con vendita di bici usate ricondizionate e accessori per "
            "chi pedala in città. Fa manutenzione anche su bici aziendali e cargo bike."
        ),
        website="https://www.raggiepedali.it",
        email="officina@raggiepedali.it",
        sites=(
            Site(
                "Raggi & Pedali – officina",
                "Via Jacopo Dal Verme",
                "14",
                "Ingresso senza gradini",
            ),
        ),
        offers=(
            Offer(
                "Tagliando completo della bicicletta",
                "Full bike service",
                "errands",
                "Controllo di freni, cambio, ruote e trasmissione, con pulizia e "
                "lubrificazione. La bici è pronta in giornata se la lasci entro le 10.",
                "A check of brakes, gears, wheels and drivetrain, with cleaning and "
                "lubrication. The bike is ready the same day if dropped off by 10:00.",
                (
                    ("Tagliando base", 35, "Freni, cambio e pressione"),
                    ("Tagliando completo", 65, "Con pulizia della trasmissione"),
                ),
                discount=10,
            ),
            Offer(
                "Ritiro della bici in ufficio",
                "Bike pick-up from the office",
                "errands",
                "Passiamo a prendere la bicicletta al lavoro o sotto casa e la riportiamo "
                "riparata in giornata. Basta prenotare entro le 9 del mattino.",
                "We collect your bike from work or home and bring it back repaired the same "
                "day. Just book by 9 in the morning.",
                (("Ritiro e riconsegna", 10, "Entro il quartiere, riparazione esclusa"),),
                mode=AT_HOME,
            ),
            Offer(
                "Corso di ciclomeccanica di base",
                "Basic bike mechanics course",
                "courses",
                "Tre serate per imparare a riparare una foratura, regolare freni e cambio e "
                "fare la manutenzione ordinaria. Si lavora sulla propria bicicletta.",
                "Three evenings to learn how to fix a puncture, adjust brakes and gears and do "
                "routine maintenance. You work on your own bike.",
                (("Corso di 3 serate", 60, "Attrezzi forniti"),),
            ),
            Offer(
                "Ciclofficina aperta del sabato",
                "Saturday open bike workshop",
                "errands",
                "Il sabato pomeriggio l'officina mette a disposizione attrezzi e consigli per "
                "riparare da soli la propria bici. Si pagano solo gli eventuali ricambi.",
                "On Saturday afternoons the workshop lends tools and advice so you can fix your "
                "own bike. You only pay for any spare parts.",
                free("Ricambi esclusi"),
                langs=("it", "en", "fr"),
                book=False,
            ),
        ),
    ),
    Org(
        key="tata-isola",
        name="Tata Isola",
        legal="S.r.l.",
        ateco="88.91.00",
        text=(
            "Agenzia di baby-sitter selezionate e formate in primo soccorso pediatrico, attiva "
            "a Isola e nei quartieri vicini. Offre anche tate bilingui e corsi per genitori."
        ),
        website="https://www.tataisola.it",
        email="ciao@tataisola.it",
        sites=(
            Site(
                "Tata Isola – ufficio e aula corsi",
                "Via Cola Montano",
                "3",
                note="Primo piano, ufficio e aula corsi",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Baby-sitting a domicilio",
                "Babysitting at home",
                "babysitting",
                "Baby-sitter referenziate e formate in primo soccorso pediatrico, per qualche "
                "ora o per tutto il pomeriggio. Si prenota online con almeno 24 ore di "
                "anticipo.",
                "Vetted babysitters trained in paediatric first aid, for a few hours or a whole "
                "afternoon. Book online at least 24 hours ahead.",
                (
                    ("Ora", 12, "Minimo 3 ore"),
                    ("Pacchetto 40 ore", 440, "Validità due mesi"),
                ),
                mode=AT_HOME,
                discount=10,
                ages=(0, 12),
            ),
            Offer(
                "Tata d'emergenza in giornata",
                "Same-day emergency nanny",
                "babysitting",
                "Quando il bambino ha la febbre e non può andare a scuola, troviamo una tata "
                "entro tre ore dalla chiamata. Il servizio è attivo dal lunedì al venerdì.",
                "When your child has a fever and cannot go to school, we find a nanny within "
                "three hours of your call. Available Monday to Friday.",
                (("Ora", 16, "Minimo 3 ore, richiesta entro le 9"),),
                mode=AT_HOME,
                ages=(0, 12),
            ),
            Offer(
                "Tata bilingue",
                "Bilingual nanny",
                "babysitting",
                "Tate madrelingua inglese, francese o spagnola che giocano e parlano con i "
                "bambini nella loro lingua. Un modo naturale per crescere bilingui.",
                "Native English, French or Spanish-speaking nannies who play and talk with "
                "children in their own language. A natural way to grow up bilingual.",
                (("Ora", 15, "Minimo 3 ore"),),
                mode=AT_HOME,
                ages=(0, 10),
                langs=("it", "en", "fr", "es"),
            ),
            Offer(
                "Corso di primo soccorso pediatrico",
                "Paediatric first-aid course",
                "caregiver-support",
                "Un'infermiera pediatrica insegna le manovre di disostruzione e come gestire "
                "febbre, cadute e piccole emergenze. Il corso si tiene il sabato mattina in "
                "piccoli gruppi.",
                "A paediatric nurse teaches choking first aid and how to deal with fever, falls "
                "and minor emergencies. The course runs on Saturday mornings in small groups.",
                (("Corso di 4 ore", 45, "Attestato di partecipazione"),),
                discount=20,
            ),
        ),
    ),
    Org(
        key="nutrizione-equilibrio",
        name="Studio Nutrizione Equilibrio",
        legal="Impresa individuale",
        ateco="86.90.29",
        text=(
            "Studio di una biologa nutrizionista che segue adulti, sportivi e famiglie con un "
            "approccio senza diete drastiche. Visite in studio e online."
        ),
        website="https://www.nutrizioneequilibrio.it",
        email="studio@nutrizioneequilibrio.it",
        sites=(Site("Studio Nutrizione Equilibrio", "Via Civerchio", "9", "Ascensore"),),
        offers=(
            Offer(
                "Prima visita nutrizionale",
                "First nutrition visit",
                "nutrition",
                "Anamnesi, misure antropometriche e bioimpedenziometria per costruire un piano "
                "alimentare su misura. Il controllo successivo si può fare anche online.",
                "Medical history, body measurements and bioimpedance analysis to build a "
                "tailor-made meal plan. The follow-up can also be done online.",
                (
                    ("Prima visita", 80, "Piano alimentare incluso"),
                    ("Controllo", 45, "Dopo 4-6 settimane"),
                ),
                discount=15,
            ),
            Offer(
                "Consulenza nutrizionale online",
                "Online nutrition consultation",
                "nutrition",
                "Visita di controllo in videochiamata, con invio del diario alimentare e delle "
                "misure prima dell'incontro. Comoda per chi ha poco tempo o lavora fuori "
                "Milano.",
                "A follow-up visit by video call, with your food diary and measurements sent "
                "beforehand. Handy for busy people or those working outside Milan.",
                (("Videoconsulenza", 50, "45 minuti"),),
                mode=ONLINE,
                langs=("it", "en"),
            ),
            Offer(
                "Alimentazione in gravidanza e allattamento",
                None,
                "nutrition",
                "Tre incontri per impostare un'alimentazione equilibrata in gravidanza e "
                "durante l'allattamento, con attenzione a carenze e intolleranze. Si può "
                "venire in coppia.",
                None,
                (("Percorso di 3 incontri", 150, "Dal primo trimestre all'allattamento"),),
            ),
            Offer(
                "Pranzo sano in ufficio",
                "Healthy office lunch",
                "nutrition",
                "Un incontro di un'ora su come organizzare pranzi e spuntini sani durante la "
                "giornata lavorativa, con ricette veloci da preparare la sera prima. Gratuito "
                "per i dipendenti delle aziende dell'alleanza.",
                "A one-hour session on planning healthy lunches and snacks during the working "
                "day, with quick recipes to prepare the night before. Free for employees of "
                "alliance companies.",
                free("Gratuito per le aziende dell'alleanza"),
                eligibility="Dipendenti delle aziende aderenti all'alleanza",
            ),
        ),
    ),
    Org(
        key="commissioni-facili",
        name="Commissioni Facili",
        legal="S.r.l.",
        ateco="82.99.99",
        text=(
            "Servizio di maggiordomo aziendale che sbriga commissioni, pratiche e consegne per "
            "i dipendenti delle aziende del quartiere. Ha un punto di raccolta in Via Sebenico."
        ),
        website="https://www.commissionifacili.it",
        email="richieste@commissionifacili.it",
        sites=(
            Site(
                "Commissioni Facili – punto ritiro",
                "Via Sebenico",
                "22",
                "Ingresso senza gradini",
            ),
        ),
        offers=(
            Offer(
                "Maggiordomo aziendale",
                "Corporate concierge",
                "errands",
                "Un incaricato passa in azienda e si occupa di commissioni come il ritiro di "
                "raccomandate, il calzolaio, la sartoria e le ricariche. Le richieste si "
                "inviano dall'app entro le 11.",
                "A concierge comes to your workplace and handles errands such as collecting "
                "registered mail, the cobbler, the tailor and top-ups. Send requests through "
                "the app by 11:00.",
                (
                    ("Commissione singola", 9, "Entro 3 km"),
                    ("Abbonamento mensile", 60, "Fino a 10 commissioni"),
                ),
                mode=AT_HOME,
                discount=20,
                langs=("it", "en"),
            ),
            Offer(
                "Punto ritiro pacchi",
                "Parcel collection point",
                "errands",
                "Fatti consegnare i pacchi degli acquisti online nel nostro punto di Via "
                "Sebenico e ritirali tornando dal lavoro, fino alle 20:30. Il servizio è "
                "gratuito per chi abita o lavora nel quartiere.",
                "Have online orders delivered to our Via Sebenico point and pick them up on "
                "your way home, until 20:30. Free for people who live or work in the "
                "neighbourhood.",
                free("Gratuito per residenti e lavoratori del quartiere"),
                book=False,
            ),
            Offer(
                "Pratiche auto e amministrative",
                "Car and paperwork errands",
                "errands",
                "Ci occupiamo al posto tuo di rinnovo della patente, passaggi di proprietà, "
                "certificati anagrafici e code agli sportelli. Ti aggiorniamo via messaggio a "
                "ogni passaggio.",
                "We handle driving licence renewals, vehicle transfers, registry certificates "
                "and queues at public offices for you, with a message update at every step.",
                (("Pratica", 25, "Bolli e diritti esclusi"),),
            ),
            Offer(
                "Spesa consegnata in ufficio",
                "Groceries delivered to the office",
                "meals",
                "Ordini la spesa entro mezzogiorno e la trovi in azienda alle 17, con i "
                "prodotti freschi in borsa frigo. Collaboriamo con botteghe e mercati del "
                "quartiere.",
                "Order your groceries by noon and find them at your workplace at 17:00, with "
                "fresh products in a cool bag. We work with neighbourhood shops and markets.",
                (("Consegna", 4, "Gratuita sopra i 50 euro di spesa"),),
                mode=AT_HOME,
            ),
            Offer(
                "Ritiro e consegna in tintoria",
                "Dry-cleaning pick-up and drop-off",
                "laundry",
                "Ritiriamo in ufficio abiti e capi delicati da portare in tintoria e li "
                "riconsegniamo puliti dopo tre giorni. Si paga il trasporto più la tariffa "
                "della tintoria.",
                "We collect suits and delicate garments from the office for dry cleaning and "
                "return them clean after three days. You pay the delivery fee plus the dry "
                "cleaner's price.",
                (("Ritiro e consegna", 6, "Lavaggio escluso"),),
                mode=AT_HOME,
            ),
        ),
    ),
    Org(
        key="cucina-di-cortile",
        name="Cucina di Cortile Cooperativa Sociale",
        legal="Società cooperativa sociale",
        ateco="56.29.20",
        text=(
            "Cooperativa sociale di tipo B che gestisce una cucina e una gastronomia di "
            "quartiere, dando lavoro a persone in uscita da situazioni di fragilità. Cucina "
            "piatti di stagione con prodotti di piccoli produttori lombardi."
        ),
        website="https://www.cucinadicortile.it",
        email="ordini@cucinadicortile.it",
        sites=(
            Site(
                "Cucina di Cortile – gastronomia",
                "Via Carmagnola",
                "12",
                "Ingresso senza gradini, tavoli accessibili",
            ),
        ),
        langs=("it", "ar"),
        offers=(
            Offer(
                "Pasti a domicilio per anziani",
                "Meals on wheels for older people",
                "meals",
                "Ogni giorno a pranzo consegniamo a casa un pasto completo, anche con diete per "
                "diabetici o senza sale. Il fattorino si ferma qualche minuto per scambiare due "
                "parole.",
                "Every lunchtime we deliver a complete meal at home, including diabetic and "
                "low-salt options. The driver stays a few minutes for a chat.",
                (("Pasto completo", 9.5, "Primo, secondo, contorno e frutta"),),
                mode=AT_HOME,
                discount=30,
                eligibility="Over 65 e persone fragili segnalate dai servizi sociali",
            ),
            Offer(
                "Pranzo da asporto per chi lavora in zona",
                "Takeaway lunch for local workers",
                "meals",
                "Ordini entro le 11 e passi a ritirare il pranzo in gastronomia, in contenitori "
                "riutilizzabili con cauzione. Il menù cambia ogni giorno.",
                "Order by 11:00 and pick up your lunch at the deli, in reusable containers "
                "with a deposit. The menu changes daily.",
                (
                    ("Menù del giorno", 11, "Piatto, contorno e acqua"),
                    ("Carnet 10 pranzi", 100, "Validità due mesi"),
                ),
            ),
            Offer(
                "Cena pronta per famiglie",
                "Ready-made family dinner",
                "meals",
                "Il martedì e il giovedì una cena completa per quattro persone da ritirare "
                "tornando dal lavoro. Perché la sera c'è più tempo per stare insieme, se non si "
                "deve cucinare.",
                "On Tuesdays and Thursdays a complete dinner for four to pick up on your way "
                "home from work. Because evenings leave more time together when nobody has to "
                "cook.",
                (("Cena per 4 persone", 32, "Ritiro dalle 18 alle 20"),),
            ),
            Offer(
                "Corso di cucina di stagione",
                "Seasonal cooking class",
                "courses",
                "Una sera al mese cuciniamo insieme un menù con le verdure di stagione, poi "
                "ceniamo attorno al grande tavolo della cucina. Massimo dieci partecipanti.",
                "One evening a month we cook a seasonal vegetable menu together, then eat "
                "around the big kitchen table. Up to ten participants.",
                (("Serata", 45, "Cena inclusa"),),
            ),
            Offer(
                "Spesa solidale del sabato",
                "Saturday solidarity groceries",
                "meals",
                "Distribuzione di cassette di frutta e verdura invendute alle famiglie in "
                "difficoltà, con i produttori del mercato. Il progetto si è chiuso ed è "
                "confluito nell'emporio solidale del Municipio.",
                "Boxes of unsold fruit and vegetables for families in need, in partnership "
                "with market producers. The project has closed and merged into the district's "
                "community food store.",
                free(),
                status=INACTIVE,
            ),
        ),
    ),
    Org(
        key="rotte-professionali",
        name="Rotte Professionali",
        legal="Società cooperativa",
        ateco="85.59.20",
        text=(
            "Cooperativa di orientatori e formatori che accompagna persone in cerca di "
            "lavoro, in transizione di carriera o al rientro dopo una maternità. È accreditata "
            "con Regione Lombardia per i servizi al lavoro."
        ),
        website="https://www.rotteprofessionali.it",
        email="orientamento@rotteprofessionali.it",
        sites=(
            Site(
                "Rotte Professionali",
                "Via Guglielmo Pepe",
                "20",
                "Ascensore, bagno accessibile",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Bilancio di competenze",
                "Skills assessment",
                "career",
                "Cinque incontri individuali per mettere a fuoco competenze, valori e obiettivi "
                "professionali, con un report finale. Utile prima di cambiare lavoro o di "
                "chiedere una promozione.",
                "Five one-to-one sessions to pin down your skills, values and career goals, "
                "ending with a written report. Useful before changing job or asking for a "
                "promotion.",
                (("Percorso di 5 incontri", 350, "Report finale incluso"),),
                discount=30,
            ),
            Offer(
                "Revisione del CV e del profilo LinkedIn",
                "CV and LinkedIn profile review",
                "career",
                "Un orientatore rivede il curriculum e il profilo LinkedIn e suggerisce come "
                "valorizzare le esperienze. Tutto si svolge online, con una videochiamata "
                "finale di 30 minuti.",
                "A career adviser reviews your CV and LinkedIn profile and suggests how to "
                "showcase your experience. Everything happens online, with a final 30-minute "
                "video call.",
                (("Revisione", 60, "Due round di correzioni"),),
                mode=ONLINE,
            ),
            Offer(
                "Rientro dopo la maternità",
                "Back to work after parental leave",
                "career",
                "Un percorso di gruppo per neomamme e neopapà che tornano al lavoro dopo il "
                "congedo, tra organizzazione familiare, diritti e richiesta di orari "
                "flessibili. I bambini sono i benvenuti.",
                "A group programme for new mums and dads returning to work after leave, "
                "covering family organisation, rights and asking for flexible hours. Babies "
                "are welcome.",
                free(),
                eligibility="Genitori con figli sotto i 3 anni",
            ),
            Offer(
                "Simulazione di colloquio",
                "Mock job interview",
                "career",
                "Un colloquio di prova in videochiamata con un selezionatore esperto, "
                "registrato e rivisto insieme per migliorare risposte e postura. Disponibile "
                "anche in inglese.",
                "A practice interview by video call with an experienced recruiter, recorded "
                "and reviewed together to improve your answers and body language. Also "
                "available in English.",
                (("Sessione", 45, "60 minuti con feedback scritto"),),
                mode=ONLINE,
                discount=15,
            ),
            Offer(
                "Sportello lavoro",
                "Job desk",
                "career",
                "Ogni mercoledì pomeriggio un'operatrice aiuta a cercare annunci, scrivere "
                "candidature e conoscere le misure regionali per il lavoro. Non serve "
                "appuntamento.",
                "Every Wednesday afternoon an adviser helps with finding vacancies, writing "
                "applications and understanding regional employment schemes. No appointment "
                "needed.",
                free("Senza appuntamento"),
                langs=("it", "en", "es", "fr", "ar"),
                book=False,
            ),
        ),
    ),
    Org(
        key="fondazione-comunita-isola",
        name="Fondazione Comunità Isola",
        legal="Fondazione",
        ateco="88.99.00",
        text=(
            "Fondazione di comunità che sostiene progetti sociali e culturali nel quartiere "
            "con il contributo di imprese e cittadini. Promuove l'alleanza Milano Concilia 4.0 "
            "e ne coordina lo sportello."
        ),
        website="https://www.fondazionecomunitaisola.org",
        email="info@fondazionecomunitaisola.org",
        sites=(
            Site(
                "Casa di quartiere della Fondazione",
                "Via Pietro Borsieri",
                "2",
                "Ingresso senza gradini, bagno accessibile",
            ),
            Site(
                "Sala incontri della Fondazione",
                "Via Volturno",
                "40",
                "Ingresso senza gradini",
            ),
        ),
        langs=("it", "ar"),
        offers=(
            Offer(
                "Sportello Concilia",
                "Concilia help desk",
                "caregiver-support",
                "Uno sportello che aiuta lavoratori e famiglie a trovare i servizi di "
                "conciliazione del quartiere e a usare i benefit del welfare aziendale. Si "
                "può venire di persona o telefonare in orario d'ufficio.",
                "A desk that helps workers and families find the neighbourhood's work-life "
                "services and use their company welfare benefits. Drop in or call during "
                "office hours.",
                free("Senza appuntamento"),
                langs=("it", "en", "ar"),
                book=False,
            ),
            Offer(
                "Caffè Alzheimer",
                "Alzheimer café",
                "caregiver-support",
                "Un pomeriggio al mese le persone con demenza e i loro familiari si incontrano "
                "per un caffè, musica e attività leggere, con il supporto di una psicologa. Un "
                "luogo dove sentirsi accolti senza giudizio.",
                "One afternoon a month people with dementia and their families meet for "
                "coffee, music and light activities, supported by a psychologist. A place to "
                "feel welcome without judgement.",
                free(),
                at=(1,),
            ),
            Offer(
                "Festa di quartiere di primavera",
                "Spring street party",
                "culture",
                "Una giornata di musica, mercatini e giochi in strada in Piazzale Archinto, "
                "organizzata con le associazioni e i negozi dell'Isola. Un modo per vivere la "
                "città a misura di famiglia.",
                "A day of music, market stalls and street games in Piazzale Archinto, organised "
                "with Isola's associations and shops. A family-friendly way to enjoy the city.",
                free("Ingresso libero"),
                book=False,
            ),
            Offer(
                "Contributo per i centri estivi",
                "Summer camp grant",
                "summer-camps",
                "Un contributo fino a 300 euro per figlio per pagare il centro estivo, da "
                "chiedere con una domanda online entro aprile. Vale per i centri estivi "
                "convenzionati del quartiere.",
                "A grant of up to 300 euros per child towards summer camp fees, applied for "
                "online by April. Valid for the neighbourhood's partner summer camps.",
                free("Domanda gratuita"),
                mode=ONLINE,
                ages=(6, 14),
                eligibility="Famiglie residenti nel Municipio 9 con ISEE fino a 30.000 euro",
            ),
            Offer(
                "Vicini per gli anziani soli",
                "Neighbours for older people living alone",
                "elderly-care",
                "I volontari della fondazione telefonano e fanno visita agli anziani soli del "
                "quartiere, aiutandoli nelle piccole commissioni. Basta una segnalazione allo "
                "sportello.",
                "Foundation volunteers phone and visit older people living alone in the "
                "neighbourhood and help with small errands. Just let the desk know.",
                free(),
                mode=AT_HOME,
                ages=(65, None),
            ),
        ),
    ),
    Org(
        key="quattro-quarti",
        name="Scuola di Musica Quattro Quarti",
        legal="Associazione di promozione sociale",
        ateco="85.52.00",
        text=(
            "Scuola di musica con insegnanti diplomati al conservatorio, sale prova e un coro "
            "di quartiere aperto a tutti. Lezioni per bambini dai 3 anni e per adulti "
            "principianti."
        ),
        website="https://www.quattroquarti.org",
        email="segreteria@quattroquarti.org",
        sites=(
            Site(
                "Scuola di Musica Quattro Quarti",
                "Via Medardo Rosso",
                "4",
                "Aule al primo piano, senza ascensore",
            ),
        ),
        offers=(
            Offer(
                "Propedeutica musicale per bambini",
                "Early music for young children",
                "courses",
                "Giochi ritmici, canto e strumentario Orff per avvicinare i più piccoli alla "
                "musica. Gruppi di sei bambini divisi per età.",
                "Rhythm games, singing and Orff instruments to introduce young children to "
                "music. Groups of six children divided by age.",
                (("Quota trimestrale", 180, "Un incontro a settimana"),),
                discount=10,
                ages=(3, 6),
            ),
            Offer(
                "Lezioni individuali di strumento",
                "One-to-one instrument lessons",
                "courses",
                "Pianoforte, chitarra, violino, canto e batteria con insegnanti diplomati, per "
                "tutte le età. Ci sono orari anche in pausa pranzo e dopo le 20.",
                "Piano, guitar, violin, singing and drums with conservatory-trained teachers, "
                "for all ages. Lessons are also available at lunchtime and after 20:00.",
                (
                    ("Lezione di 45 minuti", 32, "Tutti gli strumenti"),
                    ("Pacchetto 10 lezioni", 300, "Validità quattro mesi"),
                ),
                discount=10,
                langs=("it", "en"),
            ),
            Offer(
                "Coro di quartiere",
                "Neighbourhood choir",
                "culture",
                "Il coro si ritrova il lunedì sera ed è aperto a tutti, anche a chi non sa "
                "leggere la musica. Due concerti all'anno nelle piazze del quartiere.",
                "The choir meets on Monday evenings and is open to everyone, even if you cannot "
                "read music. Two concerts a year in the neighbourhood's squares.",
                free("Partecipazione gratuita"),
            ),
            Offer(
                "Sala prove a ore",
                None,
                "culture",
                "Sala insonorizzata con impianto voce, amplificatori e batteria, prenotabile "
                "dalle 10 alle 24. Sconto per le band under 25.",
                None,
                (("Ora", 15, "Impianto e batteria inclusi"),),
            ),
        ),
    ),
    Org(
        key="nidolab",
        name="Nidolab Coworking",
        legal="S.r.l. impresa sociale",
        ateco="82.11.02",
        text=(
            "Coworking con spazio bimbi ed educatrici, pensato per genitori che lavorano in "
            "proprio o in smart working. È nato nel 2019 da un gruppo di mamme del quartiere."
        ),
        website="https://www.nidolab.it",
        email="ciao@nidolab.it",
        sites=(
            Site(
                "Nidolab",
                "Via Garigliano",
                "3",
                "Ingresso senza gradini, fasciatoio, parcheggio passeggini",
            ),
        ),
        offers=(
            Offer(
                "Coworking con spazio bimbi",
                "Coworking with a kids' area",
                "coworking",
                "Mentre lavori alla tua scrivania, tuo figlio gioca nella stanza accanto con "
                "un'educatrice. Lo spazio bimbi accoglie bambini da 1 a 6 anni, dalle 9 alle 13 "
                "e dalle 14 alle 18.",
                "While you work at your desk, your child plays in the next room with an "
                "educator. The kids' area takes children aged 1 to 6, from 9:00 to 13:00 and "
                "from 14:00 to 18:00.",
                (
                    ("Mezza giornata con spazio bimbi", 28, "Postazione ed educatrice"),
                    ("Mensile", 320, "Postazione fissa e 12 mezze giornate di spazio bimbi"),
                ),
                discount=20,
                langs=("it", "en"),
            ),
            Offer(
                "Spazio bimbi a ore",
                "Drop-in kids' area by the hour",
                "babysitting",
                "Anche senza lavorare in coworking puoi lasciare il bambino per qualche ora con "
                "le educatrici, per una visita medica o una commissione. Si prenota con un "
                "giorno di anticipo.",
                "Even if you don't work at the coworking, you can leave your child with our "
                "educators for a few hours, for a doctor's appointment or an errand. Book a day "
                "ahead.",
                (("Ora", 9, "Con educatrice, minimo 2 ore"),),
                ages=(1, 6),
            ),
            Offer(
                "Postazione silenziosa per smart working",
                "Quiet smart-working desk",
                "smart-working",
                "Una sala silenziosa, separata dall'area bimbi, per chi lavora da remoto e ha "
                "bisogno di concentrazione. Prese, schermi esterni e cuffie a disposizione.",
                "A quiet room, away from the kids' area, for remote workers who need to "
                "concentrate. Sockets, external monitors and headphones available.",
                (
                    ("Giornata", 16, "Wi-fi e caffè inclusi"),
                    ("Carnet 10 giornate", 140, "Validità tre mesi"),
                ),
                langs=("it", "en"),
            ),
            Offer(
                "Sala riunioni family friendly",
                "Family-friendly meeting room",
                "meeting-rooms",
                "Una piccola sala riunioni con angolo gioco, per gli incontri di lavoro quando "
                "non si sa a chi lasciare i bambini. Su richiesta c'è anche un'educatrice.",
                "A small meeting room with a play corner, for work meetings when there is "
                "nobody to look after the children. An educator can be booked on request.",
                (("Ora", 20, "Fino a 6 persone, angolo gioco incluso"),),
            ),
            Offer(
                "Webinar: lavorare in proprio con figli piccoli",
                "Webinar: self-employed with young children",
                "career",
                "Un incontro online al mese con professioniste e consulenti su tempi, contratti "
                "e tutele per chi lavora in proprio e ha figli piccoli. La registrazione resta "
                "disponibile per gli iscritti.",
                "A monthly online session with professionals and advisers on time management, "
                "contracts and protections for self-employed parents of young children. The "
                "recording remains available to those who registered.",
                free("Iscrizione gratuita"),
                mode=ONLINE,
            ),
        ),
    ),
    Org(
        key="sale-sebenico",
        name="Sale Sebenico Business Center",
        legal="S.r.l.",
        ateco="82.30.00",
        text=(
            "Business center con sale riunioni, aule di formazione e uffici a giornata a due "
            "passi dalla stazione Garibaldi. Servizio di segreteria e catering su richiesta."
        ),
        website="https://www.salesebenico.it",
        email="booking@salesebenico.it",
        sites=(
            Site(
                "Sale Sebenico Business Center",
                "Via Sebenico",
                "5",
                "Ingresso senza gradini, ascensore, bagno accessibile",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Sala riunioni per 12 persone",
                "Meeting room for 12",
                "meeting-rooms",
                "Sala luminosa con tavolo per dodici, schermo interattivo e sistema per "
                "videoconferenze. Il coffee break è incluso nella tariffa giornaliera.",
                "A bright room with a table for twelve, an interactive screen and a "
                "video-conferencing system. A coffee break is included in the day rate.",
                (
                    ("Ora", 40, "Schermo e videoconferenza"),
                    ("Giornata", 260, "Coffee break incluso"),
                ),
                discount=15,
            ),
            Offer(
                "Aula formazione da 30 posti",
                "30-seat training room",
                "meeting-rooms",
                "Aula allestita a platea o a ferro di cavallo per corsi, presentazioni e "
                "assemblee. È disponibile anche il sabato.",
                "A room set out theatre-style or in a U-shape for courses, presentations and "
                "meetings. Also available on Saturdays.",
                (
                    ("Mezza giornata", 220, "Proiettore e microfoni"),
                    ("Giornata", 380, "Proiettore, microfoni e due coffee break"),
                ),
            ),
            Offer(
                "Ufficio privato a giornata",
                "Private office by the day",
                "smart-working",
                "Un ufficio chiuso per due o tre persone, per lavorare in tranquillità o "
                "ricevere clienti. Si prenota anche per una sola giornata.",
                "An enclosed office for two or three people, to work in peace or meet clients. "
                "It can be booked for a single day.",
                (("Giornata", 65, "Fino a 3 persone"),),
            ),
            Offer(
                "Segreteria e centralino a distanza",
                "Remote reception and call answering",
                "business-services",
                "Una segretaria risponde al telefono a nome della tua attività, smista le "
                "chiamate e gestisce l'agenda degli appuntamenti. Utile per i professionisti "
                "sempre fuori ufficio.",
                "A receptionist answers the phone in your business's name, routes calls and "
                "manages your appointment diary. Useful for professionals who are always out "
                "of the office.",
                (("Mensile", 120, "Risposta telefonica personalizzata"),),
                mode=ONLINE,
            ),
        ),
    ),
)

NEIGHBOURHOOD: tuple[Org, ...] = (
    Org(
        key="isola-viva",
        name="Isola Viva APS",
        legal="Associazione di promozione sociale",
        ateco="94.99.20",
        text=(
            "Associazione di abitanti che anima il quartiere con eventi, cinema all'aperto e "
            "attività di cura del verde. Gestisce un piccolo spazio sociale in Via Cola "
            "Montano."
        ),
        website="https://www.isolaviva.org",
        email="info@isolaviva.org",
        sites=(
            Site(
                "Spazio sociale Isola Viva",
                "Via Cola Montano",
                "12",
                "Un piccolo gradino all'ingresso",
            ),
        ),
        offers=(
            Offer(
                "Cinema all'aperto d'estate",
                "Summer open-air cinema",
                "culture",
                "A luglio, ogni martedì, proiezioni gratuite nel cortile dello spazio sociale "
                "con film scelti dagli abitanti. Portate una sedia pieghevole e tanta "
                "curiosità.",
                "Every Tuesday in July, free screenings in the courtyard of the community "
                "space, with films chosen by residents. Bring a folding chair and your "
                "curiosity.",
                free("Ingresso libero"),
                book=False,
            ),
            Offer(
                "Giardinaggio condiviso",
                "Community gardening",
                "courses",
                "Il sabato mattina ci prendiamo cura delle aiuole e degli orti condivisi del "
                "quartiere, imparando dai giardinieri più esperti. Attrezzi e guanti li "
                "mettiamo noi.",
                "On Saturday mornings we tend the neighbourhood's flowerbeds and shared "
                "vegetable gardens, learning from more experienced gardeners. We provide tools "
                "and gloves.",
                free(),
            ),
            Offer(
                "Passeggiate alla scoperta dell'Isola",
                "Isola discovery walks",
                "culture",
                "Passeggiate guidate di due ore tra case di ringhiera, street art e i nuovi "
                "grattacieli, per raccontare come è cambiato il quartiere. Su richiesta anche "
                "in inglese.",
                "Two-hour guided walks among old tenement houses, street art and the new "
                "skyscrapers, telling how the neighbourhood has changed. In English on request.",
                free("A offerta libera"),
                langs=("it", "en"),
            ),
            Offer(
                "Banca del tempo",
                None,
                "errands",
                "Scambio di piccoli aiuti tra vicini misurati in ore e non in euro: una "
                "riparazione, una ripetizione, un passaggio in auto. Ci si iscrive allo spazio "
                "sociale il giovedì sera.",
                None,
                free(),
                book=False,
            ),
        ),
    ),
    Org(
        key="ludoteca-il-trenino",
        name="Ludoteca Il Trenino",
        legal="Società cooperativa sociale",
        ateco="88.91.00",
        text=(
            "Ludoteca e spazio famiglie con giochi da tavolo, angolo morbido per i più piccoli "
            "e feste di compleanno. Propone anche pomeriggi con educatrice per i bambini della "
            "primaria."
        ),
        website="https://www.ludotecailtrenino.it",
        email="info@ludotecailtrenino.it",
        sites=(
            Site(
                "Ludoteca Il Trenino",
                "Via Thaon di Revel",
                "33",
                "Ingresso senza gradini, fasciatoio",
            ),
        ),
        offers=(
            Offer(
                "Pomeriggi in ludoteca con educatrice",
                "Afternoons at the toy library with an educator",
                "babysitting",
                "I bambini restano in ludoteca con un'educatrice mentre i genitori finiscono di "
                "lavorare, tra giochi da tavolo e laboratori. Si può prenotare anche il giorno "
                "stesso.",
                "Children stay at the toy library with an educator while parents finish work, "
                "with board games and craft activities. Same-day booking is possible.",
                (
                    ("Pomeriggio", 15, "Dalle 16:30 alle 19:00"),
                    ("Tessera 10 pomeriggi", 130, "Validità tre mesi"),
                ),
                ages=(3, 10),
            ),
            Offer(
                "Angolo morbido 0-3 anni",
                "Soft play corner for under-3s",
                "early-childhood",
                "Uno spazio morbido e sicuro dove i bambini sotto i tre anni giocano con i "
                "genitori, la mattina dal martedì al venerdì. Angolo allattamento e fasciatoio "
                "a disposizione.",
                "A safe soft-play area where under-threes play with their parents, on weekday "
                "mornings from Tuesday to Friday. Breastfeeding corner and changing table "
                "available.",
                (("Ingresso", 6, "Bambino con un adulto"),),
                ages=(0, 3),
            ),
            Offer(
                "Baby-sitting del sabato sera",
                "Saturday night babysitting",
                "babysitting",
                "Il sabato sera i bambini dai 4 ai 10 anni cenano con la pizza e giocano in "
                "ludoteca con due educatrici. I genitori si godono una serata libera a pochi "
                "passi da casa.",
                "On Saturday evenings children aged 4 to 10 have pizza and play at the toy "
                "library with two educators. Parents get a night off close to home.",
                (("Serata", 25, "Dalle 19:30 alle 23:00, pizza inclusa"),),
                ages=(4, 10),
            ),
            Offer(
                "Campus di Pasqua in ludoteca",
                "Easter holiday camp",
                "summer-camps",
                "Durante le vacanze di Pasqua, giornate di giochi, laboratori creativi e uscite "
                "al parco. Il pranzo si porta da casa.",
                "Over the Easter holidays, days of games, creative workshops and trips to the "
                "park. Children bring a packed lunch.",
                (("Giornata", 35, "Pranzo al sacco"),),
                ages=(6, 11),
            ),
        ),
    ),
    Org(
        key="casa-solidale",
        name="Casa Solidale Cooperativa Sociale",
        legal="Società cooperativa sociale",
        ateco="87.30.00",
        text=(
            "Cooperativa sociale di Sesto San Giovanni che gestisce un centro per anziani e "
            "servizi di sollievo per le famiglie. Serve anche le famiglie di Milano nord."
        ),
        website="https://www.casasolidale.it",
        email="accoglienza@casasolidale.it",
        sites=(
            Site(
                "Casa Solidale",
                "Viale Antonio Gramsci",
                "110",
                "Struttura senza barriere architettoniche",
            ),
        ),
        langs=("it", "es"),
        offers=(
            Offer(
                "Ricoveri di sollievo",
                "Respite stays",
                "elderly-care",
                "Soggiorni brevi da una a quattro settimane per anziani non autosufficienti, "
                "quando chi li assiste ha bisogno di una pausa o deve affrontare un ricovero. "
                "L'assistenza infermieristica è presente giorno e notte.",
                "Short stays of one to four weeks for dependent older people, when their carer "
                "needs a break or goes into hospital. Nursing care is on hand day and night.",
                (("Giornata", 95, "Pensione completa e assistenza 24 ore"),),
                ages=(65, None),
            ),
            Offer(
                "Centro diurno Alzheimer",
                "Alzheimer day centre",
                "elderly-care",
                "Un centro diurno specializzato con attività di stimolazione cognitiva, musica "
                "e movimento per persone con demenza. Su richiesta c'è il trasporto da Milano "
                "nord.",
                "A specialist day centre with cognitive stimulation, music and movement for "
                "people with dementia. Transport from north Milan is available on request.",
                (("Giornata", 45, "Pranzo e merenda inclusi"),),
                ages=(65, None),
            ),
            Offer(
                "Corso per familiari caregiver",
                "Training for family carers",
                "caregiver-support",
                "Cinque incontri con infermieri e fisioterapisti per imparare a muovere e "
                "assistere in sicurezza una persona non autosufficiente. Al termine viene "
                "rilasciato un attestato.",
                "Five sessions with nurses and physiotherapists on moving and caring safely for "
                "a dependent person. A certificate is issued at the end.",
                free(),
            ),
            Offer(
                "Infermiere a domicilio",
                "Home nursing",
                "elderly-care",
                "Infermieri professionali per medicazioni, terapie iniettive e prelievi a "
                "domicilio a Sesto San Giovanni e Milano nord. Interveniamo entro 24 ore dalla "
                "richiesta.",
                "Registered nurses for dressings, injections and blood tests at home in Sesto "
                "San Giovanni and north Milan. Visits within 24 hours of the request.",
                (("Prestazione", 35, "Medicazioni, iniezioni o prelievi"),),
                mode=AT_HOME,
                ages=(65, None),
            ),
        ),
    ),
    Org(
        key="palestra-popolare-isola",
        name="Palestra Popolare Isola",
        legal="Associazione sportiva dilettantistica",
        ateco="93.12.00",
        text=(
            "Palestra autogestita a quote accessibili, nata in un ex magazzino del quartiere. "
            "Corsi di boxe, ginnastica e autodifesa senza vincoli di abbonamento."
        ),
        website=None,
        email="info@palestrapopolareisola.it",
        sites=(Site("Palestra Popolare Isola", "Via Garigliano", "21", "Ingresso con rampa"),),
        langs=("it", "ar", "es"),
        offers=(
            Offer(
                "Boxe popolare",
                "Community boxing",
                "fitness-sport",
                "Allenamenti di pugilato aperti a tutti, dai principianti agli atleti, con "
                "istruttori volontari. La quota è bassa perché lo sport deve essere per tutti.",
                "Boxing training open to everyone, from beginners to athletes, with volunteer "
                "coaches. Fees are kept low because sport should be for everyone.",
                (("Quota mensile", 25, "Tre allenamenti a settimana"),),
            ),
            Offer(
                "Ginnastica per tutte le età",
                "Exercise class for all ages",
                "fitness-sport",
                "Circuiti a corpo libero, stretching e mobilità in gruppi misti per età e "
                "livello. Ci si allena con la musica e nessuno resta indietro.",
                "Bodyweight circuits, stretching and mobility in groups of mixed ages and "
                "levels. Training to music, and nobody gets left behind.",
                (("Quota mensile", 20, "Due lezioni a settimana"),),
            ),
            Offer(
                "Corso di autodifesa femminile",
                "Women's self-defence course",
                "fitness-sport",
                "Un ciclo di quattro incontri gratuiti di autodifesa, con tecniche semplici e "
                "consapevolezza del rischio. Lo conducono istruttrici esperte.",
                "A free four-session self-defence course with simple techniques and risk "
                "awareness, led by experienced female instructors.",
                free(),
            ),
        ),
    ),
    Org(
        key="centro-diagnostico-sabotino",
        name="Centro Diagnostico Sabotino",
        legal="S.p.A.",
        ateco="86.22.09",
        text=(
            "Centro medico polispecialistico con diagnostica per immagini e medicina del "
            "lavoro, vicino a Porta Romana. Convenzionato con numerose casse sanitarie "
            "aziendali."
        ),
        website="https://www.centrosabotino.it",
        email="prenotazioni@centrosabotino.it",
        sites=(
            Site(
                "Centro Diagnostico Sabotino",
                "Viale Sabotino",
                "30",
                "Ingresso senza gradini, ascensori, parcheggio riservato",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Check-up completo in una mattina",
                "Full check-up in one morning",
                "health-checkup",
                "Esami del sangue, elettrocardiogramma, ecografia e visita internistica in "
                "un'unica mattina, con i referti discussi con il medico prima di pranzo. Ideale "
                "per chi non riesce a prendere più giorni di permesso.",
                "Blood tests, ECG, ultrasound and an internal medicine consultation in a single "
                "morning, with results discussed with the doctor before lunch. Ideal if you "
                "cannot take several days off work.",
                (
                    ("Check-up base", 190, "Esami del sangue, ECG, visita internistica"),
                    ("Check-up completo", 340, "Con ecografia dell'addome e visita cardiologica"),
                ),
            ),
            Offer(
                "Ecografia muscolo-tendinea",
                "Musculoskeletal ultrasound",
                "health-checkup",
                "Ecografia di spalla, ginocchio, caviglia o gomito per valutare infiammazioni e "
                "lesioni dei tendini. Il referto è consegnato subito dopo l'esame.",
                "Ultrasound of the shoulder, knee, ankle or elbow to assess inflammation and "
                "tendon injuries. The report is given straight after the scan.",
                (("Esame", 80, "Referto immediato"),),
            ),
            Offer(
                "Riabilitazione post-operatoria",
                "Post-operative rehabilitation",
                "physiotherapy",
                "Percorsi di riabilitazione dopo interventi a ginocchio, anca e spalla, in una "
                "palestra attrezzata con fisioterapisti dedicati. Si parte con una valutazione "
                "del fisiatra.",
                "Rehabilitation after knee, hip and shoulder surgery in an equipped rehab gym "
                "with dedicated physiotherapists. It starts with an assessment by a "
                "rehabilitation physician.",
                (
                    ("Seduta", 50, "In palestra riabilitativa"),
                    ("Ciclo di 10 sedute", 450, "Con valutazione iniziale"),
                ),
            ),
            Offer(
                "Psicologia del lavoro e stress",
                "Work stress counselling",
                "psychological-support",
                "Colloqui con psicologi del lavoro per affrontare stress, burnout e difficoltà "
                "di rientro dopo una lunga assenza. Possibili anche in inglese.",
                "Sessions with occupational psychologists to deal with stress, burnout and "
                "difficulties returning after a long absence. Also available in English.",
                (("Colloquio", 70, "50 minuti"),),
            ),
            Offer(
                "Visite di medicina del lavoro",
                "Occupational health check-ups",
                "health-checkup",
                "Visite preventive e periodiche previste dalla normativa sulla sicurezza, con "
                "spirometria, audiometria e test della vista. Le aziende ricevono i giudizi di "
                "idoneità in 48 ore.",
                "Pre-employment and periodic medical checks required by safety law, including "
                "spirometry, hearing and eyesight tests. Companies receive fitness-for-work "
                "reports within 48 hours.",
                (("Visita periodica", 45, "Con spirometria e audiometria"),),
            ),
        ),
    ),
    Org(
        key="fabbrica-lambrate",
        name="Fabbrica Lambrate Coworking",
        legal="S.r.l.",
        ateco="82.11.02",
        text=(
            "Coworking e spazio eventi in un ex capannone industriale di Lambrate, con 120 "
            "postazioni e un grande giardino. Lo frequentano designer, sviluppatori e piccole "
            "agenzie."
        ),
        website="https://www.fabbricalambrate.it",
        email="spazi@fabbricalambrate.it",
        sites=(
            Site(
                "Fabbrica Lambrate",
                "Via Ventura",
                "9",
                "Ingresso senza gradini, bagno accessibile",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Coworking open space",
                "Open-space coworking",
                "coworking",
                "Postazioni libere in un open space luminoso con giardino, cucina e sala "
                "relax. L'abbonamento mensile non ha vincoli di durata.",
                "Hot desks in a bright open space with a garden, kitchen and lounge. The "
                "monthly membership has no minimum term.",
                (
                    ("Giornata", 22, "Caffè incluso"),
                    ("Mensile", 240, "Accesso dalle 8 alle 21"),
                ),
            ),
            Offer(
                "Ufficio privato per team",
                "Private team office",
                "coworking",
                "Uffici chiusi da quattro a dieci postazioni, arredati e pronti all'uso, con "
                "accesso a tutti gli spazi comuni. Ideali per piccole agenzie e startup.",
                "Enclosed offices for four to ten people, furnished and ready to use, with "
                "access to all the shared areas. Ideal for small agencies and startups.",
                (("Mensile per 4 postazioni", 1100, "Arredato, utenze incluse"),),
            ),
            Offer(
                "Sala eventi e workshop",
                "Events and workshop hall",
                "meeting-rooms",
                "Un ex capannone per 80 persone, per presentazioni, workshop e feste aziendali. "
                "Impianto audio, proiettore e cucina a disposizione.",
                "A former warehouse for 80 people for launches, workshops and company parties. "
                "Sound system, projector and kitchen available.",
                (
                    ("Serata", 450, "Fino a 80 persone"),
                    ("Giornata", 900, "Impianto audio e video incluso"),
                ),
            ),
            Offer(
                "Mentorship per freelance",
                "Mentoring for freelancers",
                "career",
                "Una volta al mese i professionisti senior del coworking offrono mezz'ora di "
                "consigli in videochiamata a chi ha appena aperto la partita IVA. Si prenota "
                "con un messaggio.",
                "Once a month the coworking's senior professionals offer half an hour of advice "
                "by video call to people who have just gone freelance. Book with a message.",
                free(),
                mode=ONLINE,
            ),
        ),
    ),
    Org(
        key="servizi-fiscali-isola",
        name="Centro Servizi Fiscali Isola",
        legal="S.r.l.",
        ateco="69.20.20",
        text=(
            "Centro di assistenza fiscale convenzionato che aiuta famiglie e lavoratori con "
            "dichiarazioni, ISEE e pratiche per bonus e agevolazioni."
        ),
        website="https://www.servizifiscaliisola.it",
        email="assistenza@servizifiscaliisola.it",
        sites=(
            Site(
                "Centro Servizi Fiscali Isola",
                "Via Volturno",
                "17",
                "Ingresso senza gradini",
            ),
        ),
        langs=("it", "ar", "es"),
        offers=(
            Offer(
                "Pratica ISEE",
                "ISEE application",
                "business-services",
                "Compiliamo gratuitamente la dichiarazione sostitutiva unica per ottenere "
                "l'ISEE, necessario per nidi, mense e bonus. Portate un documento d'identità, "
                "il contratto d'affitto e i saldi dei conti.",
                "We fill in the single self-declaration for the ISEE free of charge; it is "
                "needed for nurseries, school canteens and benefits. Bring ID, your rental "
                "contract and bank balances.",
                free(),
            ),
            Offer(
                "Assegno unico e bonus famiglia",
                "Child benefit and family bonuses",
                "business-services",
                "Presentiamo online la domanda per l'assegno unico universale e per i bonus "
                "nido e nuovi nati, seguendo la pratica fino al pagamento. I documenti si "
                "inviano dall'area riservata.",
                "We submit online applications for the universal child benefit and the nursery "
                "and newborn bonuses, following up until payment. Documents are uploaded "
                "through a private area.",
                free(),
                mode=ONLINE,
            ),
            Offer(
                "Modello Redditi persone fisiche",
                "Personal income tax return",
                "business-services",
                "Per chi non può usare il 730: dichiarazione dei redditi completa di affitti, "
                "redditi esteri e investimenti. Il controllo finale è fatto con un consulente.",
                "For those who cannot use the 730: a full tax return covering rental income, "
                "foreign income and investments, with a final check by an adviser.",
                (("Dichiarazione", 90, "Un immobile e redditi da lavoro"),),
            ),
        ),
    ),
    Org(
        key="lavasecco-verde",
        name="Lavasecco Verde",
        legal="Impresa individuale",
        ateco="96.01.20",
        text=(
            "Tintoria di quartiere che lava ad acqua anche i capi delicati, al posto dei "
            "solventi tradizionali. Piccole riparazioni sartoriali in giornata."
        ),
        website=None,
        email=None,
        sites=(Site("Lavasecco Verde", "Via Pollaiuolo", "9", "Un gradino all'ingresso"),),
        offers=(
            Offer(
                "Lavaggio a secco ecologico",
                "Eco-friendly dry cleaning",
                "laundry",
                "Abiti, cappotti e capi delicati lavati con il sistema ad acqua professionale, "
                "senza percloroetilene. Pronti in due giorni.",
                "Suits, coats and delicate garments cleaned with professional wet cleaning "
                "instead of perchloroethylene. Ready in two days.",
                (
                    ("Giacca", 8, "Lavaggio ad acqua professionale"),
                    ("Abito completo", 14, "Giacca e pantaloni"),
                ),
            ),
            Offer(
                "Riparazioni sartoriali",
                None,
                "errands",
                "Orli, cerniere, strette e piccole riparazioni, spesso pronte in giornata se "
                "lasciate al mattino. Si accettano anche capi non lavati da noi.",
                None,
                (
                    ("Orlo pantaloni", 10, "Pronto in giornata"),
                    ("Cambio cerniera", 15, "Cerniera inclusa"),
                ),
            ),
            Offer(
                "Stiratura a chilo",
                "Ironing by the kilo",
                "laundry",
                "Portate i capi già lavati e li riprendete stirati e piegati il giorno dopo. "
                "Un aiuto concreto per le famiglie che lavorano.",
                "Bring your washed clothes and collect them ironed and folded the next day. "
                "Real help for working families.",
                (("Al chilo", 7, "Capi lavati dal cliente"),),
            ),
        ),
    ),
    Org(
        key="bottega-km-zero",
        name="Bottega Km Zero Isola",
        legal="Società cooperativa",
        ateco="47.11.40",
        text=(
            "Bottega cooperativa di alimentari con prodotti di aziende agricole entro 100 km "
            "da Milano. I soci lavoratori curano anche la consegna a domicilio in bicicletta."
        ),
        website="https://www.bottegakmzero.it",
        email=None,
        sites=(
            Site(
                "Bottega Km Zero Isola",
                "Via Pietro Borsieri",
                "27",
                "Ingresso senza gradini",
            ),
        ),
        offers=(
            Offer(
                "Spesa a domicilio in bici cargo",
                "Cargo-bike grocery delivery",
                "meals",
                "Ordini online entro le 14 e ricevi la spesa a casa in giornata con le nostre "
                "bici cargo, senza furgoni e senza plastica. Consegniamo a Isola, Garibaldi e "
                "Maciachini.",
                "Order online by 14:00 and get your groceries the same day by cargo bike, with "
                "no vans and no plastic. We deliver to Isola, Garibaldi and Maciachini.",
                (("Consegna", 3.5, "Gratuita sopra i 40 euro"),),
                mode=AT_HOME,
            ),
            Offer(
                "Cassetta settimanale di frutta e verdura",
                "Weekly fruit and veg box",
                "meals",
                "Ogni settimana una cassetta di frutta e verdura di stagione dalle aziende "
                "agricole intorno a Milano, da ritirare in bottega. Si può sospendere quando "
                "si va in vacanza.",
                "Every week a box of seasonal fruit and vegetables from farms around Milan, to "
                "pick up at the shop. You can pause it while on holiday.",
                (
                    ("Cassetta piccola", 18, "Per 1-2 persone"),
                    ("Cassetta grande", 28, "Per 3-4 persone"),
                ),
            ),
            Offer(
                "Degustazioni del venerdì",
                "Friday tastings",
                "culture",
                "Il venerdì alle 18:30 un produttore racconta i suoi formaggi, vini o salumi con "
                "una piccola degustazione. Un'occasione per conoscere chi coltiva e alleva "
                "vicino alla città.",
                "On Fridays at 18:30 a producer talks about their cheeses, wines or cured meats "
                "with a small tasting. A chance to meet the people who farm near the city.",
                free("Ingresso libero, posti limitati"),
            ),
        ),
    ),
    Org(
        key="passo-a-due",
        name="Scuola di Danza Passo a Due",
        legal="Associazione sportiva dilettantistica",
        ateco="85.52.01",
        text=(
            "Scuola di danza classica, moderna e contemporanea per bambini, ragazzi e adulti. "
            "Ogni anno organizza un saggio in un teatro del quartiere."
        ),
        website="https://www.passoadue.it",
        email="info@passoadue.it",
        sites=(
            Site(
                "Scuola di Danza Passo a Due",
                "Via Civerchio",
                "15",
                "Sale al piano terra",
            ),
        ),
        offers=(
            Offer(
                "Danza classica per bambine e bambini",
                "Ballet for children",
                "courses",
                "Corsi di propedeutica e danza classica dai 4 ai 10 anni, con insegnanti "
                "diplomate. Le lezioni sono dopo la scuola, dalle 17:00.",
                "Pre-ballet and ballet classes for ages 4 to 10, with qualified teachers. "
                "Lessons are after school, from 17:00.",
                (("Quota mensile", 55, "Due lezioni a settimana"),),
                ages=(4, 10),
            ),
            Offer(
                "Danza contemporanea per adulti",
                "Contemporary dance for adults",
                "fitness-sport",
                "Lezioni serali per adulti che vogliono muoversi, esprimersi e tenersi in "
                "forma, anche senza esperienza. Il gruppo prepara una breve coreografia per il "
                "saggio di giugno.",
                "Evening classes for adults who want to move, express themselves and keep fit, "
                "with or without experience. The group prepares a short piece for the June "
                "show.",
                (
                    ("Lezione singola", 15, "90 minuti"),
                    ("Mensile", 60, "Una lezione a settimana"),
                ),
            ),
            Offer(
                "Settimana estiva di danza",
                "Summer dance week",
                "summer-camps",
                "Una settimana di danza, musical e laboratori creativi a fine giugno, con uno "
                "spettacolo finale per le famiglie. Non serve esperienza.",
                "A week of dance, musical theatre and creative workshops in late June, ending "
                "with a show for families. No experience needed.",
                (("Settimana", 170, "Dalle 9:00 alle 16:00"),),
                ages=(6, 14),
            ),
            Offer(
                "Barre a terra e stretching",
                "Floor barre and stretching",
                "mind-body",
                "Esercizi a terra ispirati alla danza classica per allungare, rinforzare e "
                "migliorare la postura. Adatto a tutte le età.",
                "Floor exercises inspired by ballet to lengthen, strengthen and improve "
                "posture. Suitable for all ages.",
                (
                    ("Lezione singola", 14, "60 minuti"),
                    ("Carnet 10 lezioni", 120, "Validità tre mesi"),
                ),
            ),
        ),
    ),
    Org(
        key="cineforum-isola",
        name="Circolo Cineforum Isola",
        legal="Associazione di promozione sociale",
        ateco="94.99.20",
        text=(
            "Circolo culturale che dal 1985 propone rassegne di cinema d'autore, incontri con "
            "i registi e corsi di linguaggio cinematografico."
        ),
        website="https://www.cineforumisola.org",
        email="circolo@cineforumisola.org",
        sites=(
            Site(
                "Circolo Cineforum Isola",
                "Via Porro Lambertenghi",
                "6",
                "Sala al piano terra, posti per carrozzine",
            ),
        ),
        langs=("it", "fr"),
        offers=(
            Offer(
                "Rassegna di cinema d'autore",
                "Art-house film season",
                "culture",
                "Ogni mercoledì sera un film d'autore in lingua originale con sottotitoli, "
                "introdotto da un critico. La tessera annuale dà accesso a tutte le proiezioni "
                "a prezzo ridotto.",
                "Every Wednesday evening an art-house film in the original language with "
                "subtitles, introduced by a critic. The annual membership gives access to all "
                "screenings at a reduced price.",
                (
                    ("Ingresso soci", 5, "Tessera annuale obbligatoria"),
                    ("Tessera annuale", 10, "Valida da settembre ad agosto"),
                ),
            ),
            Offer(
                "Corso di linguaggio cinematografico",
                "Film language course",
                "courses",
                "Otto incontri per capire come si costruisce un film, dall'inquadratura al "
                "montaggio, con esempi dalla storia del cinema.",
                "Eight sessions on how a film is made, from framing to editing, with examples "
                "from film history.",
                (("Corso di 8 incontri", 80, "Materiali inclusi"),),
            ),
            Offer(
                "Cinema per le scuole del quartiere",
                None,
                "culture",
                "Proiezioni mattutine gratuite per le classi delle primarie e delle medie del "
                "quartiere, con una scheda didattica per gli insegnanti.",
                None,
                free(),
                ages=(6, 13),
                langs=("it",),
            ),
        ),
    ),
    Org(
        key="impiego-nord",
        name="Impiego Nord Agenzia per il Lavoro",
        legal="S.p.A.",
        ateco="78.20.00",
        text=(
            "Agenzia per il lavoro autorizzata dal Ministero, con selezione del personale, "
            "somministrazione e formazione gratuita per i candidati. Ha una filiale in Via "
            "Padova."
        ),
        website="https://www.impiegonord.it",
        email="candidati@impiegonord.it",
        sites=(
            Site(
                "Impiego Nord – filiale di Via Padova",
                "Via Padova",
                "36",
                "Ingresso senza gradini",
            ),
        ),
        langs=("it", "en", "ar", "es"),
        offers=(
            Offer(
                "Colloquio di orientamento con un recruiter",
                "Career chat with a recruiter",
                "career",
                "Un incontro individuale per capire quali offerte sono adatte al tuo profilo e "
                "come presentarti alle aziende. Per i candidati non c'è alcun costo.",
                "A one-to-one meeting to see which vacancies suit your profile and how to "
                "approach employers. There is no charge for candidates.",
                free(),
            ),
            Offer(
                "Corso gratuito per addetti alla logistica",
                "Free warehouse operative course",
                "career",
                "Corso di 80 ore con patentino per il carrello elevatore e sicurezza sul "
                "lavoro, seguito da colloqui con aziende del settore. Riservato a persone "
                "disoccupate.",
                "An 80-hour course including a forklift licence and workplace safety, followed "
                "by interviews with logistics companies. For unemployed people.",
                free("Corso finanziato"),
                eligibility="Persone disoccupate iscritte al centro per l'impiego",
            ),
            Offer(
                "Laboratorio di ricerca attiva del lavoro",
                "Job-search workshop",
                "career",
                "Tre mattine online in gruppo per imparare a usare i portali di annunci, "
                "preparare la lettera di presentazione e sostenere un colloquio a distanza.",
                "Three online group mornings on using job portals, writing a cover letter and "
                "handling a remote interview.",
                free(),
                mode=ONLINE,
            ),
        ),
    ),
    Org(
        key="sorriso-isola",
        name="Studio Dentistico Sorriso Isola",
        legal="S.r.l.",
        ateco="86.23.00",
        text=(
            "Studio odontoiatrico con igienisti e ortodontisti, aperto anche il sabato "
            "mattina. Piani di cura con pagamento a rate."
        ),
        website="https://www.sorrisoisola.it",
        email="segreteria@sorrisoisola.it",
        sites=(
            Site(
                "Studio Dentistico Sorriso Isola",
                "Via Toce",
                "4",
                "Ingresso senza gradini",
            ),
        ),
        langs=("it", "en"),
        offers=(
            Offer(
                "Visita di controllo e igiene dentale",
                "Dental check-up and hygiene",
                "health-checkup",
                "Visita odontoiatrica con ablazione del tartaro e lucidatura, consigliata ogni "
                "sei mesi. Ci sono appuntamenti anche il sabato.",
                "A dental examination with scaling and polishing, recommended every six months. "
                "Saturday appointments are available.",
                (("Visita e igiene", 80, "Con lucidatura"),),
            ),
            Offer(
                "Prima visita ortodontica per bambini",
                "First orthodontic visit for children",
                "health-checkup",
                "Valutazione gratuita della crescita di denti e arcate per bambini dai 6 ai 12 "
                "anni, con consigli su eventuali apparecchi.",
                "A free assessment of teeth and jaw development for children aged 6 to 12, with "
                "advice on any braces needed.",
                free(),
                ages=(6, 12),
            ),
        ),
    ),
    Org(
        key="cascina-dei-ragazzi",
        name="Cascina dei Ragazzi APS",
        legal="Associazione di promozione sociale",
        ateco="93.29.90",
        text=(
            "Associazione che gestisce una fattoria didattica a Lambrate, con animali, orti e "
            "laboratori all'aperto. Accoglie scuole, famiglie e centri estivi."
        ),
        website="https://www.cascinadeiragazzi.org",
        email="fattoria@cascinadeiragazzi.org",
        sites=(
            Site(
                "Cascina dei Ragazzi",
                "Via Rubattino",
                "80",
                "Percorsi sterrati; bagno accessibile",
            ),
        ),
        offers=(
            Offer(
                "Centro estivo in fattoria",
                "Farm summer camp",
                "summer-camps",
                "Settimane all'aria aperta tra cura degli animali, orto, giochi nel bosco e "
                "laboratori di cucina. Navetta gratuita dalla stazione di Lambrate.",
                "Outdoor weeks of caring for animals, gardening, woodland games and cooking "
                "workshops. Free shuttle from Lambrate station.",
                (("Settimana", 175, "Dalle 8:30 alle 17:00, pranzo incluso"),),
                ages=(6, 12),
            ),
            Offer(
                "Domeniche in fattoria per famiglie",
                "Family Sundays on the farm",
                "culture",
                "La domenica la fattoria apre alle famiglie con visite agli animali, merenda "
                "con i prodotti della cascina e laboratori per bambini.",
                "On Sundays the farm opens to families with animal visits, a snack made with "
                "the farm's produce and children's workshops.",
                (("Ingresso", 7, "Gratis sotto i 3 anni"),),
            ),
            Offer(
                "Doposcuola nel verde",
                "Outdoor after-school club",
                "after-school",
                "Due pomeriggi a settimana i bambini della primaria fanno i compiti all'aperto "
                "e poi aiutano nella fattoria. Il ritiro a scuola si concorda con le famiglie.",
                "Two afternoons a week primary school children do their homework outdoors and "
                "then help on the farm. School pick-up is arranged with families.",
                (("Mensile", 130, "Due pomeriggi a settimana"),),
                ages=(6, 11),
            ),
        ),
    ),
)


# --- identifiers and generated values --------------------------------------------------


def make_id(*parts: str) -> str:
    """A stable UUID (version 5) from names."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def partita_iva(rng: random.Random, used: set[str]) -> str:
    """A fresh valid partita IVA registered at the Milan office."""
    while True:
        base = f"{rng.randint(500_000, 1_399_999):07d}{MILAN_OFFICE}"
        number = base + luhn.calc_check_digit(base)
        if number not in used:
            used.add(number)
            return iva.validate(number)


def phone_number(rng: random.Random) -> str:
    """A Milan landline number (area code 02)."""
    return f"+39 02 {rng.randint(3000, 9899)} {rng.randint(0, 9999):04d}"


def timestamp(rng: random.Random) -> str:
    """A fixed-looking last-modified time in the first quarter of 2026 (CET)."""
    moment = FIRST_STAMP + timedelta(days=rng.randint(0, 70), minutes=rng.randint(0, 600))
    return moment.isoformat()


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def amount_value(amount: float) -> int | float:
    """A JSON number with at most two decimals."""
    return int(amount) if float(amount).is_integer() else round(amount, 2)


def euro(amount: float) -> str:
    """An amount as Italians write it."""
    if float(amount).is_integer():
        return f"{int(amount)} €"
    return f"{amount:.2f} €".replace(".", ",")


# --- HSDS objects ----------------------------------------------------------------------


def organization_json(org: Org, member: bool, rng: random.Random, used: set[str]) -> Json:
    org_id = make_id("organization", org.key)
    result: Json = {"id": org_id, "name": org.name, "description": org.text}
    if org.email:
        result["email"] = org.email
    if org.website:
        result["website"] = org.website
    result["tax_id"] = partita_iva(rng, used)
    result["legal_status"] = org.legal
    result["phones"] = [{"id": make_id(org_id, "phone"), "number": phone_number(rng)}]
    result["concilia"] = {"alliance_member": member, "ateco_code": org.ateco}
    return result


def location_json(org: Org, site: Site, rng: random.Random) -> Json:
    street = STREETS[site.street]
    location_id = make_id("location", org.key, site.name)
    result: Json = {
        "id": location_id,
        "organization_id": make_id("organization", org.key),
        "location_type": "physical",
        "name": site.name,
    }
    if site.note:
        result["description"] = site.note
    result["latitude"] = round(street.latitude + rng.uniform(-0.0003, 0.0003), 6)
    result["longitude"] = round(street.longitude + rng.uniform(-0.0004, 0.0004), 6)
    result["addresses"] = [address_json(location_id, site, street)]
    if site.accessibility:
        result["accessibility"] = [
            {"id": make_id(location_id, "accessibility"), "description": site.accessibility}
        ]
    return result


def address_json(location_id: str, site: Site, street: Street) -> Json:
    return {
        "id": make_id(location_id, "address"),
        "address_1": f"{site.street} {site.number}".strip(),
        "city": street.city,
        "postal_code": street.cap,
        "state_province": "MI",
        "region": "Lombardia",
        "country": "IT",
        "address_type": "physical",
    }


def service_json(org: Org, offer: Offer, rng: random.Random) -> Json:
    service_id = make_id("service", org.key, offer.name)
    result: Json = {
        "id": service_id,
        "organization_id": make_id("organization", org.key),
        "name": offer.name,
        "description": offer.text,
    }
    if offer.book and org.website:
        result["url"] = f"{org.website}/prenota/{slug(offer.name)}"
    if org.email:
        result["email"] = org.email
    result["status"] = offer.status
    result["fees_description"] = fees_description(offer)
    if offer.eligibility:
        result["eligibility_description"] = offer.eligibility
    result.update(ages_json(offer))
    result["last_modified"] = timestamp(rng)
    result["languages"] = languages_json(service_id, offer.langs or org.langs)
    result["cost_options"] = cost_options_json(service_id, offer.prices)
    result["attributes"] = attributes_json(service_id, offer.codes.split())
    result["concilia"] = extension_json(offer)
    return result


def fees_description(offer: Offer) -> str:
    if is_free(offer):
        return f"Gratuito. {offer.prices[0][2]}."
    prices = "; ".join(f"{label}: {euro(amount)}" for label, amount, _ in offer.prices)
    if offer.discount:
        return f"{prices}. Sconto del {offer.discount}% {ALLIANCE_DISCOUNT}."
    return f"{prices}."


def is_free(offer: Offer) -> bool:
    return any(amount == 0 for _, amount, _ in offer.prices)


def ages_json(offer: Offer) -> Json:
    if offer.ages is None:
        return {}
    minimum, maximum = offer.ages
    return {"minimum_age": minimum} | ({} if maximum is None else {"maximum_age": maximum})


def languages_json(service_id: str, codes: tuple[str, ...]) -> list[Json]:
    ordered = dict.fromkeys(("it", *codes))
    return [
        {"id": make_id(service_id, "language", code), "code": code, "name": LANGUAGES[code]}
        for code in ordered
    ]


def cost_options_json(service_id: str, prices: tuple[Price, ...]) -> list[Json]:
    return [
        {
            "id": make_id(service_id, "cost", str(index)),
            "option": label,
            "amount": amount_value(amount),
            "currency": "EUR",
            "amount_description": note,
        }
        for index, (label, amount, note) in enumerate(prices)
    ]


def attributes_json(service_id: str, codes: list[str]) -> list[Json]:
    return [
        {
            "id": make_id(service_id, "attribute", code),
            "link_type": "category",
            "taxonomy_term": {
                "id": make_id("taxonomy_term", TAXONOMY, code),
                "code": code,
                "name": CATEGORIES[code][1],
                "taxonomy": TAXONOMY,
            },
        }
        for code in codes
    ]


def extension_json(offer: Offer) -> Json:
    result: Json = {}
    if offer.name_en:
        result["name_en"] = offer.name_en
    if offer.text_en:
        result["description_en"] = offer.text_en
    result["delivery_mode"] = offer.mode
    if offer.discount:
        result["beneficiary_discount_percent"] = offer.discount
    return result


def links_json(org: Org, offer: Offer) -> list[Json]:
    """The service_at_location links of an in-person service."""
    if offer.mode != IN_PERSON:
        return []
    service_id = make_id("service", org.key, offer.name)
    links = []
    for index in offer.at:
        location_id = make_id("location", org.key, org.sites[index].name)
        links.append(
            {
                "id": make_id("service_at_location", service_id, location_id),
                "service_id": service_id,
                "location_id": location_id,
            }
        )
    return links


def bundle_json(
    orgs: tuple[Org, ...], member: bool, publisher: str, rng: random.Random, used: set[str]
) -> Json:
    """One HSDS 3 bundle: organizations, services, locations and their links."""
    return {
        "hsds_version": "3.0",
        "publisher": publisher,
        "organizations": [organization_json(org, member, rng, used) for org in orgs],
        "services": [service_json(org, offer, rng) for org in orgs for offer in org.offers],
        "locations": [location_json(org, site, rng) for org in orgs for site in org.sites],
        "service_at_locations": [
            link for org in orgs for offer in org.offers for link in links_json(org, offer)
        ],
    }


def render() -> dict[str, str]:
    """The bundle files' contents, by file name."""
    rng = random.Random(SEED)
    used: set[str] = set()
    bundles = {
        ALLIANCE_FILE: bundle_json(
            ALLIANCE, True, "Alleanza Milano Concilia 4.0 – Isola (dati dimostrativi)", rng, used
        ),
        NEIGHBOURHOOD_FILE: bundle_json(
            NEIGHBOURHOOD, False, "Rete di quartiere Isola-Garibaldi (dati dimostrativi)", rng, used
        ),
    }
    return {
        name: json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
        for name, bundle in bundles.items()
    }


# --- self-check --------------------------------------------------------------------------


def in_outline(latitude: float, longitude: float) -> bool:
    return in_district(None, latitude, longitude)


def collect_ids(value: object, found: list[str]) -> None:
    """Every `id` in a JSON tree except the shared taxonomy-term ids."""
    if isinstance(value, dict):
        found.extend([value["id"]] if "id" in value and "taxonomy" not in value else [])
        for child in value.values():
            collect_ids(child, found)
    elif isinstance(value, list):
        for child in value:
            collect_ids(child, found)


def check_references(bundle: Json) -> list[str]:
    orgs = {org["id"] for org in bundle["organizations"]}
    services = {s["id"]: s["organization_id"] for s in bundle["services"]}
    places = {loc["id"]: loc["organization_id"] for loc in bundle["locations"]}
    problems = [f"service {s} has an unknown org" for s, o in services.items() if o not in orgs]
    problems += [f"location {p} has an unknown org" for p, o in places.items() if o not in orgs]
    for link in bundle["service_at_locations"]:
        service, place = link["service_id"], link["location_id"]
        if service not in services or place not in places:
            problems.append(f"dangling link {link['id']}")
        elif services[service] != places[place]:
            problems.append(f"link {link['id']} joins two organisations")
    return problems


def check_organization(org: Json) -> list[str]:
    problems = []
    tax_id = org["tax_id"]
    if not iva.is_valid(tax_id) or len(tax_id) != 11 or tax_id[7:10] != MILAN_OFFICE:
        problems.append(f"{org['name']}: bad partita IVA {tax_id}")
    if not org["phones"][0]["number"].startswith("+39 02 "):
        problems.append(f"{org['name']}: not a Milan phone number")
    return problems


def check_service(service: Json, sites: list[str]) -> list[str]:
    name = service["name"]
    codes = [a["taxonomy_term"]["code"] for a in service["attributes"]]
    problems = [f"{name}: unknown category {code}" for code in codes if code not in CATEGORIES]
    if problems or not 1 <= len(codes) <= 2 or len({CATEGORIES[c][0] for c in codes}) != 1:
        problems.append(f"{name}: categories {codes} are not 1-2 of one area")
    amounts = [option["amount"] for option in service["cost_options"]]
    if 0 in amounts and len(amounts) != 1:
        problems.append(f"{name}: a free service has more than one cost option")
    if any(round(a, 2) != a for a in amounts) or not 1 <= len(amounts) <= 3:
        problems.append(f"{name}: bad cost options {amounts}")
    if service["languages"][0]["code"] != "it":
        problems.append(f"{name}: Italian is not its first language")
    mode = service["concilia"]["delivery_mode"]
    if (mode == IN_PERSON) != bool(sites):
        problems.append(f"{name}: {mode} with {len(sites)} location(s)")
    return problems


def check_location(location: Json) -> list[str]:
    cap = location["addresses"][0]["postal_code"]
    inside = in_outline(location["latitude"], location["longitude"])
    if inside != (cap in DISTRICT_CAPS):
        return [f"{location['name']}: CAP {cap} disagrees with its coordinates"]
    return []


def sites_of(bundle: Json) -> dict[str, list[str]]:
    sites: dict[str, list[str]] = {}
    for link in bundle["service_at_locations"]:
        sites.setdefault(link["service_id"], []).append(link["location_id"])
    return sites


def check_bundle(bundle: Json) -> list[str]:
    sites = sites_of(bundle)
    problems = check_references(bundle)
    problems += [p for org in bundle["organizations"] for p in check_organization(org)]
    problems += [p for loc in bundle["locations"] for p in check_location(loc)]
    for service in bundle["services"]:
        problems += check_service(service, sites.get(service["id"], []))
    return problems


@dataclass(frozen=True, slots=True)
class Row:
    """What the summary counts about one service."""

    area: str
    codes: tuple[str, ...]
    status: str
    mode: str
    free: bool
    discount: bool
    english: bool
    languages: tuple[str, ...]
    outside_only: bool


def rows(bundle: Json) -> list[Row]:
    places = {loc["id"]: loc for loc in bundle["locations"]}
    sites = sites_of(bundle)
    result = []
    for service in bundle["services"]:
        codes = tuple(a["taxonomy_term"]["code"] for a in service["attributes"])
        located = [places[i] for i in sites.get(service["id"], [])]
        extension = service["concilia"]
        result.append(
            Row(
                area=CATEGORIES[codes[0]][0],
                codes=codes,
                status=service["status"],
                mode=extension["delivery_mode"],
                free=any(o["amount"] == 0 for o in service["cost_options"]),
                discount="beneficiary_discount_percent" in extension,
                english="name_en" in extension and "description_en" in extension,
                languages=tuple(lang["code"] for lang in service["languages"]),
                outside_only=bool(located)
                and not any(in_outline(p["latitude"], p["longitude"]) for p in located),
            )
        )
    return result


def check_counts(bundles: list[Json], table: list[Row]) -> list[str]:
    orgs = sum(len(b["organizations"]) for b in bundles)
    visible = [row for row in table if row.status != INACTIVE]
    areas = Counter(row.area for row in visible)
    codes = Counter(code for row in table for code in row.codes)
    problems = [] if 38 <= orgs <= 46 else [f"{orgs} organisations"]
    problems += [] if len(table) >= 160 else [f"only {len(table)} services"]
    problems += [f"area {a}: {n} services" for a, n in areas.items() if n < 30]
    # The general categories stand for an area in sources' mappings; the demo uses the
    # finer ones.
    finer = [c for c in CATEGORIES if c not in GENERAL_CATEGORY.values()]
    problems += [f"category {c}: {codes[c]} services" for c in finer if codes[c] < 3]
    problems += [] if sum(r.english for r in table) >= 0.9 * len(table) else ["too little English"]
    return problems


def summary(table: list[Row]) -> list[str]:
    total = len(table)
    lines = [f"services: {total}"]
    lines += [f"  area {area}: {n}" for area, n in sorted(Counter(r.area for r in table).items())]
    codes = Counter(code for row in table for code in row.codes)
    lines += [f"  category {code}: {codes[code]}" for code in CATEGORIES]
    counted = {
        "free": sum(r.free for r in table),
        "with discount": sum(r.discount for r in table),
        "only outside the district": sum(r.outside_only for r in table),
        "with English text": sum(r.english for r in table),
        "in English ('en')": sum("en" in r.languages for r in table),
    }
    lines += [f"  {label}: {n} ({100 * n / total:.0f}%)" for label, n in counted.items()]
    lines += [f"  mode {m}: {n}" for m, n in sorted(Counter(r.mode for r in table).items())]
    lines += [f"  status {s}: {n}" for s, n in sorted(Counter(r.status for r in table).items())]
    return lines


def check() -> int:
    """Verify the files on disk; print problems and a summary; 0 when all is well."""
    rendered = render()
    texts = {name: (HERE / name).read_text(encoding="utf-8") for name in rendered}
    problems = [f"{name} is stale" for name in rendered if texts[name] != rendered[name]]
    bundles: list[Json] = [json.loads(text) for text in texts.values()]
    ids: list[str] = []
    collect_ids(bundles, ids)
    problems += [f"duplicate id {i}" for i, n in Counter(ids).items() if n > 1]
    taxes = Counter(org["tax_id"] for b in bundles for org in b["organizations"])
    problems += [f"duplicate partita IVA {t}" for t, n in taxes.items() if n > 1]
    problems += [p for bundle in bundles for p in check_bundle(bundle)]
    table = [row for bundle in bundles for row in rows(bundle)]
    problems += check_counts(bundles, table)
    orgs = sum(len(b["organizations"]) for b in bundles)
    print("\n".join([f"organisations: {orgs}", *summary(table), *problems]))
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        return check()
    for name, text in render().items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
