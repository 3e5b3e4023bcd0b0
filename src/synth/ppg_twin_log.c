/*
 * ppg_twin_log.c - the engagement record of a twin: three service changes
 * (first contact physiotherapy, an online request route, a social
 * prescribing scheme) with who was involved at which stage of the
 * commissioning cycle, the forum's work on them as activities, a year of
 * each PPG's meetings, surveys, focus groups and projects, the network's
 * forum meetings and a consultation, and the feedback they raised with
 * what became of it (responses, outcomes, reasons, what is published).
 * Every text is written here; no date passes the twin's date.
 */
#include "ppg_twin_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_ppg.h"
#include "util/common.h"

#define FORUM (-1) /* an involvement by the network forum */

struct involvement_tpl {
    enum pcn_ppg_stage stage;
    enum pcn_ppg_rung rung;
    int months;      /* before the twin's date */
    int people;      /* who took part */
    const char *who; /* NULL: the forum */
};

static const struct change_tpl {
    const char *title;
    const char *description;
    int months; /* started this long before the twin's date */
    struct involvement_tpl inv[4];
    int n_inv;
} change_tpls[] = {
    {"First contact physiotherapy service",
     "Physiotherapists in every practice see people with muscle and joint problems first, "
     "without a GP appointment.",
     30,
     {{PCN_PPG_STAGE_DESIGN, PCN_PPG_RUNG_CONSULT, 32, 9, NULL},
      {PCN_PPG_STAGE_MONITORING, PCN_PPG_RUNG_INFORM, 10, 11, NULL}},
     2},
    {"Online consultation request route",
     "Patients ask for help online, or by phone with reception's help, and care navigators "
     "pass each request to the professional best able to help.",
     14,
     {{PCN_PPG_STAGE_NEEDS, PCN_PPG_RUNG_INVOLVE, 20, 420,
       "Patients answering the network access survey"},
      {PCN_PPG_STAGE_DESIGN, PCN_PPG_RUNG_CO_PRODUCE, 17, 15, NULL},
      {PCN_PPG_STAGE_PROCUREMENT, PCN_PPG_RUNG_CONSULT, 15, 7, NULL},
      {PCN_PPG_STAGE_MONITORING, PCN_PPG_RUNG_COLLABORATE, 4, 10, NULL}},
     4},
    {"Social prescribing: walking groups and peer support",
     "Link workers connect people to walking groups, peer support for long-term conditions "
     "and other community activities.",
     6,
     {{PCN_PPG_STAGE_NEEDS, PCN_PPG_RUNG_COLLABORATE, 11, 18,
       "Local voluntary and community groups"},
      {PCN_PPG_STAGE_DESIGN, PCN_PPG_RUNG_CO_PRODUCE, 9, 12, NULL},
      {PCN_PPG_STAGE_EVALUATION, PCN_PPG_RUNG_INVOLVE, 1, 8, NULL}},
     3},
};

/* What the forum's work at each stage looks like as an activity. */
static const enum pcn_ppg_kind stage_kind[PCN_PPG_STAGE_COUNT_] = {
    PCN_PPG_KIND_FOCUS_GROUP, PCN_PPG_KIND_CO_DESIGN, PCN_PPG_KIND_MEETING, PCN_PPG_KIND_MEETING,
    PCN_PPG_KIND_FOCUS_GROUP};

struct topic {
    const char *title;
    const char *questions;
    const char *heard;
};

static const struct topic meeting_topics[] = {
    {"Appointments and telephone access",
     "How easy is it to get through in the morning? What would help?",
     "Lines are busiest first thing; most people would accept a call-back."},
    {"Extended hours and weekend appointments",
     "Do people know that evening and Saturday appointments exist?",
     "Few members knew; the website does not mention them."},
    {"Repeat prescriptions online",
     "Who orders repeat prescriptions through the NHS App, and what gets in the way?",
     "Older members need help setting up the app; a help session in the library was suggested."},
    {"Flu and COVID vaccination clinics", "How should the autumn clinics run?",
     "Saturday clinics work well; parking is the main complaint."},
    {"The waiting room and accessibility",
     "What makes the surgery hard to use for disabled people?",
     "The hearing loop does not work and the screen text is too small."},
    {"Care navigation at reception", "Do people understand why reception asks what the problem is?",
     "People accept it when they are told who they will see and why."},
};

static const struct feedback_tpl {
    const char *said;
    const char *response; /* NULL: not answered yet */
    enum pcn_ppg_outcome outcome;
    const char *reason;
} feedback_tpls[] = {
    {"Phone lines are busy first thing and calls drop.",
     "A call-back queue and a second morning phone line.", PCN_PPG_OUTCOME_DONE, NULL},
    {"Evening and Saturday appointments are hard to find.",
     "Enhanced access appointments are now on the website and offered at reception.",
     PCN_PPG_OUTCOME_IN_PROGRESS, NULL},
    {"The waiting room screen is hard to read.", "A larger screen with bigger text.",
     PCN_PPG_OUTCOME_DONE, NULL},
    {"Please bring back the walk-in blood test clinic.",
     "We looked at restarting it with the community trust.", PCN_PPG_OUTCOME_NOT_POSSIBLE,
     "Blood tests moved to the community hospital under the ICB's contract; the practice "
     "cannot run its own clinic."},
    {"Online requests need a phone option for people without the internet.",
     "Reception fills in the online form with patients who phone.", PCN_PPG_OUTCOME_DONE, NULL},
    {"The hearing loop at reception does not work.",
     "The loop was repaired and is now tested "
     "every month.",
     PCN_PPG_OUTCOME_DONE, NULL},
    {"Leaflets should be available in Polish and Urdu.",
     "Translated leaflets are being written with community groups.", PCN_PPG_OUTCOME_IN_PROGRESS,
     NULL},
    {"Repeat prescriptions take too long to be ready.", NULL, PCN_PPG_OUTCOME_OPEN, NULL},
    {"Help with the NHS App would make online services easier.",
     "PPG volunteers run a monthly NHS App help session in the library.", PCN_PPG_OUTCOME_DONE,
     NULL},
    {"Parking at the surgery is impossible during clinics.",
     "We asked the council about the neighbouring car park.", PCN_PPG_OUTCOME_NOT_POSSIBLE,
     "The car park belongs to the council, which will not change its charges."},
};

/* ---- writing ---- */

static enum pcn_err put_activity(struct twin *t, struct pcn_ppg_activity *a)
{
    enum pcn_err rc;

    a->network = t->network;
    rc = pcn_store_put_ppg_activity(t->s, a, &a->id, &a->version);
    if (rc != PCN_OK)
        return pcn_error_set(t->err, rc, "writing an activity: %s", pcn_store_errmsg(t->s));
    t->sum.activities++;
    return PCN_OK;
}

/* One activity of one group on day `held`; *ret_id (optional) gets its id. */
static enum pcn_err activity(struct twin *t, int64_t group, enum pcn_ppg_kind kind,
                             enum pcn_ppg_rung rung, const char *title, int32_t held,
                             int64_t people, const struct topic *topic, int64_t *ret_id)
{
    int64_t groups[1] = {group};
    struct pcn_ppg_activity a = {.kind = kind,
                                 .rung = rung,
                                 .title = title,
                                 .held = held,
                                 .people = people,
                                 .questions = topic ? topic->questions : NULL,
                                 .heard = topic ? topic->heard : NULL,
                                 .groups = groups,
                                 .n_groups = 1};
    enum pcn_err rc = put_activity(t, &a);

    if (rc == PCN_OK && ret_id)
        *ret_id = a.id;
    return rc;
}

/* Feedback from `group` heard at `activity` on day `on`, answered as its template says. */
static enum pcn_err feedback(struct twin *t, int64_t group, int64_t activity_id, int32_t on,
                             const struct feedback_tpl *tpl)
{
    int32_t as_of = t->o->as_of;
    struct pcn_ppg_feedback f = {.network = t->network,
                                 .group_id = group,
                                 .activity_id = activity_id,
                                 .received =
                                     PCN_MIN(on + (int32_t)pcn_rng_below(&t->rng, 8), as_of),
                                 .said = tpl->said,
                                 .responded = PCN_DATE_NONE,
                                 .outcome = PCN_PPG_OUTCOME_OPEN,
                                 .outcome_date = PCN_DATE_NONE};
    int32_t answer = f.received + 14 + (int32_t)pcn_rng_below(&t->rng, 47);
    enum pcn_err rc;

    if (tpl->response && answer <= as_of) {
        f.response = tpl->response;
        f.responded = answer;
        f.outcome = tpl->outcome;
        f.reason = tpl->reason;
        f.outcome_date = PCN_MIN(answer + (int32_t)pcn_rng_below(&t->rng, 60), as_of);
        f.published = pcn_rng_uniform(&t->rng) < 0.75;
    }
    rc = pcn_store_put_ppg_feedback(t->s, &f, NULL, NULL);
    if (rc != PCN_OK)
        return pcn_error_set(t->err, rc, "writing feedback: %s", pcn_store_errmsg(t->s));
    t->sum.feedback++;
    return PCN_OK;
}

/* ---- service changes ---- */

static enum pcn_err involvement(struct twin *t, const struct change_tpl *c, int64_t change_id,
                                const struct involvement_tpl *v)
{
    char title[PCN_PPG_TITLE_MAX + 1];
    int32_t on = pcn__twin_day(t, pcn_date_add_months(t->o->as_of, -v->months),
                               pcn_date_add_months(t->o->as_of, -v->months) + 20);
    struct pcn_ppg_involvement x = {.change_id = change_id,
                                    .stage = v->stage,
                                    .group_id = v->who ? 0 : t->forum_id,
                                    .who = v->who,
                                    .rung = v->rung,
                                    .date = PCN_MIN(on, t->o->as_of),
                                    .people = v->people};
    enum pcn_err rc = PCN_OK;

    if (!v->who) {
        /* the forum's part is an activity of the engagement log too */
        int64_t groups[1] = {t->forum_id};
        (void)snprintf(title, sizeof(title), "%s: %s", c->title,
                       pcn_ppg_label(PCN_PPG_V_STAGE, (int)v->stage));
        struct pcn_ppg_activity a = {.kind = stage_kind[v->stage],
                                     .rung = v->rung,
                                     .title = title,
                                     .held = x.date,
                                     .people = v->people,
                                     .change_id = change_id,
                                     .groups = groups,
                                     .n_groups = 1};
        rc = put_activity(t, &a);
        x.activity_id = a.id;
    }
    if (rc == PCN_OK)
        rc = pcn_store_add_ppg_involvement(t->s, &x, NULL);
    if (rc != PCN_OK)
        return pcn_error_set(t->err, rc, "writing involvement: %s", pcn_store_errmsg(t->s));
    t->sum.involvement++;
    return PCN_OK;
}

static enum pcn_err changes(struct twin *t, int64_t *ret_last)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; rc == PCN_OK && i < PCN_ARRAY_SIZE(change_tpls); i++) {
        const struct change_tpl *c = &change_tpls[i];
        struct pcn_ppg_change ch = {
            0, t->network, c->title, c->description, pcn_date_add_months(t->o->as_of, -c->months),
            0};
        rc = pcn_store_put_ppg_change(t->s, &ch, &ch.id, NULL);
        if (rc != PCN_OK)
            return pcn_error_set(t->err, rc, "writing a change: %s", pcn_store_errmsg(t->s));
        t->sum.changes++;
        for (int k = 0; rc == PCN_OK && k < c->n_inv; k++)
            rc = involvement(t, c, ch.id, &c->inv[k]);
        *ret_last = ch.id;
    }
    return rc;
}

/* ---- a year of engagement ---- */

/* A practice PPG's year: four meetings, a survey, maybe a focus group and a project. */
static enum pcn_err practice_year(struct twin *t, const struct twin_practice *p, int32_t from)
{
    size_t first_topic = (size_t)pcn_rng_below(&t->rng, PCN_ARRAY_SIZE(meeting_topics));
    size_t first_fb = (size_t)pcn_rng_below(&t->rng, PCN_ARRAY_SIZE(feedback_tpls));
    int64_t survey = 0, id = 0;
    char title[PCN_PPG_TITLE_MAX + 1];
    enum pcn_err rc = PCN_OK;

    for (int q = 0; rc == PCN_OK && q < 4; q++) {
        const struct topic *tp =
            &meeting_topics[(first_topic + (size_t)q) % PCN_ARRAY_SIZE(meeting_topics)];
        int32_t held = pcn__twin_day(t, from + q * 91, from + q * 91 + 60);
        (void)snprintf(title, sizeof(title), "PPG meeting: %s", tp->title);
        rc = activity(t, p->group_id, PCN_PPG_KIND_MEETING,
                      q % 2 ? PCN_PPG_RUNG_CONSULT : PCN_PPG_RUNG_INFORM, title, held,
                      6 + (int64_t)pcn_rng_below(&t->rng, 7), tp, &id);
        if (rc == PCN_OK && q % 2)
            rc = feedback(t, p->group_id, id, held,
                          &feedback_tpls[(first_fb + (size_t)q) % PCN_ARRAY_SIZE(feedback_tpls)]);
    }
    if (rc == PCN_OK) {
        int32_t held = pcn__twin_day(t, from + 120, from + 240);
        int64_t people = (int64_t)((double)p->n * (0.02 + 0.03 * pcn_rng_uniform(&t->rng)));
        rc = activity(t, p->group_id, PCN_PPG_KIND_SURVEY, PCN_PPG_RUNG_CONSULT,
                      "Patient survey: access and experience", held, PCN_MAX(people, 20),
                      &(struct topic){NULL,
                                      "How easy is it to contact the practice? How was your last "
                                      "appointment? What one thing should change?",
                                      "Contact by phone is the biggest frustration; care once "
                                      "seen is rated highly."},
                      &survey);
        for (size_t k = 0; rc == PCN_OK && k < 2; k++)
            rc = feedback(t, p->group_id, survey, held,
                          &feedback_tpls[(first_fb + 4 + k) % PCN_ARRAY_SIZE(feedback_tpls)]);
    }
    if (rc == PCN_OK && pcn_rng_uniform(&t->rng) < 0.4)
        rc = activity(t, p->group_id, PCN_PPG_KIND_FOCUS_GROUP, PCN_PPG_RUNG_INVOLVE,
                      "Focus group: carers' experience of the practice",
                      pcn__twin_day(t, from, t->o->as_of - 1),
                      6 + (int64_t)pcn_rng_below(&t->rng, 5), NULL, NULL);
    if (rc == PCN_OK && pcn_rng_uniform(&t->rng) < 0.3)
        rc = activity(t, p->group_id, PCN_PPG_KIND_PROJECT, PCN_PPG_RUNG_COLLABORATE,
                      "PPG-led project: accessibility walk-through of the surgery",
                      pcn__twin_day(t, from, t->o->as_of - 1),
                      4 + (int64_t)pcn_rng_below(&t->rng, 8), NULL, NULL);
    return rc;
}

/* The forum's year: quarterly meetings and a consultation on the newest change. */
static enum pcn_err forum_year(struct twin *t, int32_t from, int64_t newest_change)
{
    int64_t id = 0;
    enum pcn_err rc = PCN_OK;

    for (int q = 0; rc == PCN_OK && q < 4; q++)
        rc = activity(t, t->forum_id, PCN_PPG_KIND_MEETING, PCN_PPG_RUNG_INVOLVE,
                      "Network patient forum meeting",
                      pcn__twin_day(t, from + q * 91, from + q * 91 + 60),
                      8 + (int64_t)pcn_rng_below(&t->rng, 8), NULL, NULL);
    if (rc == PCN_OK) {
        int32_t held = pcn__twin_day(t, pcn_date_add_months(t->o->as_of, -7),
                                     pcn_date_add_months(t->o->as_of, -6));
        int64_t groups[1] = {t->forum_id};
        struct pcn_ppg_activity a = {
            .kind = PCN_PPG_KIND_CONSULTATION,
            .rung = PCN_PPG_RUNG_CONSULT,
            .title = "Consultation on the social prescribing scheme",
            .held = held,
            .people = 150 + (int64_t)pcn_rng_below(&t->rng, 250),
            .questions = "Which community activities would you use? What would stop you?",
            .heard = "Walking groups and peer support came first; transport and cost are the "
                     "barriers.",
            .change_id = newest_change,
            .groups = groups,
            .n_groups = 1};
        rc = put_activity(t, &a);
        id = a.id;
        if (rc == PCN_OK)
            rc = feedback(t, t->forum_id, id, held,
                          &(struct feedback_tpl){
                              "Activities must be free or cheap and reachable by bus.",
                              "Link workers now offer only free activities, with travel help "
                              "for those who need it.",
                              PCN_PPG_OUTCOME_DONE, NULL});
    }
    return rc;
}

enum pcn_err pcn__twin_log(struct twin *t)
{
    int32_t from = pcn_date_add_months(t->o->as_of, -12);
    int64_t newest = 0;
    enum pcn_err rc = changes(t, &newest);

    for (size_t k = 0; rc == PCN_OK && k < t->n_practices; k++) {
        if (t->practices[k].group_id)
            rc = practice_year(t, &t->practices[k], from);
    }
    if (rc == PCN_OK)
        rc = forum_year(t, from, newest);
    return rc;
}
