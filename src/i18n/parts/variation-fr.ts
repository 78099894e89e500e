/** French messages of text variation (the autopilot's spintax, publishing/autopilot/variation.ts). */
export const variationFr = {
  'template.error.spintax': 'Alternatives mal écrites : {reason, label, template.spintax.reason}.',
  'template.spintax.reason.unclosed': 'l’accolade « { » du caractère {at} n’est jamais fermée (pour écrire une accolade, mets \\ devant : \\{)',
  'template.spintax.reason.unopened': 'l’accolade « } » du caractère {at} ne ferme rien (pour écrire une accolade, mets \\ devant : \\})',
  'template.spintax.reason.empty': 'une alternative est vide au caractère {at} (écris un mot entre chaque « | »)',
  'template.spintax.reason.single': '« {alternative} » au caractère {at} n’a qu’une alternative (sépare-les par « | », ou écris \\{ et \\} pour des accolades)',
  'template.spintax.reason.duplicate': 'le groupe du caractère {at} propose deux fois « {alternative} »',
  'template.spintax.reason.linkInGroup': 'le lien « {link} » est dans un groupe au caractère {at} : le lien ne varie jamais, laisse-le hors des accolades',
  'template.spintax.reason.linkTouched': 'un groupe touche le lien « {link} » au caractère {at} : laisse une espace entre les deux',
  'template.spintax.reason.linkFormed': 'des accolades écrites avec \\ forment « {link} », qui deviendrait le lien : écris {link} seul là où va le lien',
  'template.spintax.reason.tooMany': 'trop de combinaisons, {max} au plus : retire des alternatives',
  'template.spintax.reason.tooDeep': 'des groupes imbriqués sur plus de {max} niveaux au caractère {at}',
} as const;
