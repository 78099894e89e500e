/** French messages of the autopilot: automatic publishing with caps, allowed hours and spacing (issue 16). */
export const autopilotFr = {
  'autopilot.error.network': 'Ce réseau est inconnu : l’autopublication n’y est pas possible.',
  'autopilot.error.assisted': 'L’autopublication n’est pas possible sur {network} : ce réseau se partage à la main, après ta relecture.',
  'autopilot.error.cap': 'Le plafond par jour doit être un nombre entier entre 1 et {max}.',
  'autopilot.error.hour': 'L’heure doit être un nombre entier entre 0 et 23.',
  'autopilot.error.reversed': 'La plage horaire est inversée : de {start} h à {end} h n’est pas possible. Elle doit finir après son début, le même jour (par exemple de 9 h à 21 h).',
  'autopilot.error.days': 'Choisis au moins un jour de la semaine, du lundi au dimanche.',
  'autopilot.error.timeZone': 'Fuseau horaire inconnu : « {zone} ». Exemple : Europe/Paris.',
  'autopilot.error.spacing': 'L’écart entre deux publications doit être un nombre entier de minutes entre {min} et {max}.',
} as const;
