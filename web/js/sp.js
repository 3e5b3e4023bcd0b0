// sp.js - what the social prescribing pages share: the names the API uses
// for asset categories, referral states, contact types and questionnaires,
// as people read them, and small formatters for the API's instants.

import { dateText } from './format.js';

export const categoryLabels = {
  physical_activity: 'Physical activity', arts_creativity: 'Arts and creativity',
  peer_support: 'Peer support', ltc_group: 'Long-term condition groups',
  housing_advice: 'Advice: housing', debt_advice: 'Advice: debt', benefits_advice: 'Advice: benefits',
  employment_advice: 'Advice: employment', carers: 'Carers', loneliness: 'Loneliness',
  volunteering: 'Volunteering', education: 'Education',
};

export const stateLabels = {
  received: 'Received', contacted: 'Contacted', first_appointment: 'First appointment',
  plan_agreed: 'Plan agreed', connected: 'Connected to assets', closed: 'Closed',
  declined: 'Declined', not_contactable: 'Not contactable',
};

export const closeReasons = {
  goals_met: 'Goals met', connected: 'Connected, no further support needed',
  referred_on: 'Referred on to another service', disengaged: 'Stopped taking part',
  moved_away: 'Moved away', died: 'Died', inappropriate: 'Not suitable for social prescribing',
  duplicate: 'Duplicate referral', other: 'Other (see the note)',
};

export const contactTypes = {
  face_to_face: 'Face to face', telephone: 'Telephone', video: 'Video', home_visit: 'Home visit',
  group: 'Group session', message: 'Message (text, email or letter)',
};

export const measureLabels = {
  swemwbs_metric: 'SWEMWBS (metric score)', wemwbs: 'WEMWBS',
  ons4_life_satisfaction: 'ONS4 life satisfaction', ons4_worthwhile: 'ONS4 worthwhile',
  ons4_happiness: 'ONS4 happiness', ons4_anxiety: 'ONS4 anxiety (lower is better)',
};

// The questionnaires a link worker records: items and their range.
export const instruments = {
  swemwbs: { label: 'SWEMWBS (7 items, 1-5)', min: 1, max: 5, items: [
    'Optimistic about the future', 'Feeling useful', 'Feeling relaxed', 'Dealing with problems well',
    'Thinking clearly', 'Feeling close to other people', 'Able to make up my own mind'] },
  ons4: { label: 'ONS4 personal wellbeing (4 items, 0-10)', min: 0, max: 10, items: [
    'Life satisfaction', 'Things you do are worthwhile', 'Happiness yesterday', 'Anxiety yesterday'] },
};

// "physical_activity;loneliness" as "Physical activity, Loneliness".
export function categoriesText(s) {
  if (!s) return '';
  return s.split(';').map((c) => categoryLabels[c] || c).join(', ');
}

// An instant "2026-03-01T09:05:00Z" as "1 Mar 2026, 09:05".
export function instantText(t) {
  if (!t) return '';
  return `${dateText(t.slice(0, 10))}, ${t.slice(11, 16)}`;
}

export function numberText(v, digits = 2) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '';
}
