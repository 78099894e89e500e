import type { autopilotFr } from './autopilot-fr.js';

export const autopilotEn: Record<keyof typeof autopilotFr, string> = {
  'autopilot.error.network': 'Unknown network: automatic publishing is not possible there.',
  'autopilot.error.assisted': 'Automatic publishing is not possible on {network}: this network is shared by hand, after your review.',
  'autopilot.error.cap': 'The daily cap must be a whole number between 1 and {max}.',
  'autopilot.error.hour': 'The hour must be a whole number between 0 and 23.',
  'autopilot.error.reversed': 'The time window is reversed: from {start}:00 to {end}:00 is not possible. It must end after it starts, on the same day (for example from 9:00 to 21:00).',
  'autopilot.error.days': 'Choose at least one day of the week, Monday to Sunday.',
  'autopilot.error.timeZone': 'Unknown time zone: “{zone}”. Example: Europe/Paris.',
  'autopilot.error.spacing': 'The gap between two publications must be a whole number of minutes between {min} and {max}.',
};
