"""Demo response templates in both languages (idempotent: matched by kind and French title)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.casework.models import ResponseTemplate, TemplateKind

# (kind, department code or None for every department, title ar, title fr, body ar, body fr)
TEMPLATES = [
    (
        TemplateKind.REJECTION,
        None,
        "خارج النفوذ الترابي للجماعة",
        "Hors du territoire de la commune",
        "المكان المشار إليه يوجد خارج النفوذ الترابي لجماعة بركان، لذلك لا يمكن للجماعة التدخل فيه.",
        "Le lieu indiqué se trouve hors du territoire de la commune de Berkane, qui ne peut donc pas y intervenir.",
    ),
    (
        TemplateKind.REJECTION,
        None,
        "الوثيقة المطلوبة لم تُقدَّم",
        "Pièce demandée non fournie",
        "لم تقدموا الوثيقة التي طُلبت منكم داخل الأجل، ولا يمكن دراسة الطلب بدونها.",
        "Vous n'avez pas fourni la pièce demandée dans le délai, et la demande ne peut pas être instruite sans elle.",
    ),
    (
        TemplateKind.REJECTION,
        "public-lighting",
        "شبكة تابعة لجهة أخرى",
        "Réseau d'un autre organisme",
        "هذه الإنارة تابعة لشبكة جهة أخرى (المكتب الوطني للكهرباء أو مديرية التجهيز) وليست للجماعة. "
        "لقد أبلغناها بتبليغكم.",
        "Cet éclairage appartient au réseau d'un autre organisme (ONEE ou Direction de l'équipement), "
        "pas à la commune. Nous lui avons transmis votre signalement.",
    ),
    (
        TemplateKind.MESSAGE,
        None,
        "تدخل مبرمج",
        "Intervention programmée",
        "شكرا على تبليغكم. تمت برمجة تدخل فرقنا خلال الأيام القادمة.",
        "Merci pour votre signalement. Une intervention de nos équipes est programmée dans les prochains jours.",
    ),
    (
        TemplateKind.MESSAGE,
        None,
        "تم التوصل بالوثيقة",
        "Pièce reçue",
        "توصلنا بالوثيقة التي أرسلتموها، ويتابع طلبكم مساره.",
        "Nous avons bien reçu la pièce envoyée ; votre demande suit son cours.",
    ),
    (
        TemplateKind.MESSAGE,
        "public-lighting",
        "في انتظار قطعة الغيار",
        "En attente de pièce",
        "العطب يتطلب قطعة غيار طلبناها من المورد، وسنقوم بالإصلاح فور التوصل بها.",
        "La panne demande une pièce commandée au fournisseur ; nous réparerons dès sa réception.",
    ),
]


def seed_templates(session: Session, department_ids: dict[str, int]) -> int:
    """Add the demo templates that are missing; returns how many were added."""
    added = 0
    for kind, department, title_ar, title_fr, body_ar, body_fr in TEMPLATES:
        exists = session.scalar(
            select(ResponseTemplate.id).where(
                ResponseTemplate.kind == kind.value, ResponseTemplate.title_fr == title_fr
            )
        )
        if exists is not None:
            continue
        session.add(
            ResponseTemplate(
                kind=kind.value,
                department_id=department_ids.get(department) if department else None,
                title_ar=title_ar,
                title_fr=title_fr,
                body_ar=body_ar,
                body_fr=body_fr,
            )
        )
        added += 1
    session.flush()
    return added
