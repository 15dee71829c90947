"""The texts of the Month of Study Promotion, by message key (translated in the catalogues).

Placeholders filled when the message goes out: {province}; the weekly progress and the closing
message also get live figures: {new_members}, {members}, {pledged}, {received}.
"""

from __future__ import annotations

from bot.i18n import N_

CAMPAIGN_TEXTS: dict[str, str] = {
    "month_opening": N_(
        "🎓 Today {province} opens the Month of Study Promotion and Talent Promotion "
        "(1 to 31 October)!\n\n"
        "Our goal: every family has at least one member of the Study Promotion Association, "
        "and every party member and every teacher is a member. Together we build the "
        "study-promotion funds, so that no pupil leaves school because of hardship, in the "
        "city as in remote areas and on the islands.\n\n"
        "👉 Press the button below and join the Association today."
    ),
    "study_promotion_day": N_(
        "📚 2 October: Vietnam Study Promotion Day.\n\n"
        "A notebook, a school bag, a scholarship can change a child's future. This month, the "
        "{province} study-promotion funds help pupils in especially hard circumstances, pupils "
        "in remote areas and on the islands of Cát Hải and Bạch Long Vĩ, and reward excellent "
        "pupils and teachers.\n\n"
        "👉 Any amount counts: press the button below to pledge."
    ),
    "lifelong_learning_week": N_(
        "📖 The Lifelong Learning Week begins.\n\n"
        "Learning never stops: at home, in the clan, in the community and at work. Join the "
        "movement to build learning families, learning clans, learning communities and "
        "learning units: read one more book, share a skill, enrol in a class at your "
        "community learning centre.\n\n"
        "👉 Join the Association and learn with us."
    ),
    "founding_day": N_(
        "🎉 14 October: founding day of the {province} Study Promotion Association.\n\n"
        "For years, members in every commune and ward have stood by pupils and teachers. "
        "Thank you to every member, donor and volunteer. Let's welcome new members so that "
        "every family has someone in the Association.\n\n"
        "👉 Not a member yet? Press the button below: it takes two minutes."
    ),
    "weekly_progress": N_(
        "📊 The Month of Study Promotion, this week in {province}:\n\n"
        "• New members this week: {new_members}\n"
        "• Pledged to the funds since 1 October: {pledged}\n"
        "• Received so far: {received}\n\n"
        "Thank you for every heart and every gift. 👉 Press the button below to add yours."
    ),
    "month_closing": N_(
        "🙏 The Month of Study Promotion and Talent Promotion closes today.\n\n"
        "In one month, {new_members} people joined the {province} Study Promotion Association, "
        "which now counts {members} members here, and {pledged} was pledged to the funds "
        "({received} already received). Each of these gifts goes to pupils who need it most.\n\n"
        "Thank you! Study promotion goes on all year: 👉 invite a relative to join."
    ),
}

LIVE_FIGURES = ("weekly_progress", "month_closing")
