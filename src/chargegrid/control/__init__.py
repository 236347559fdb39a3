"""The live EMS controller around the pure engine: measure, allocate, push charging profiles,
and stay safe when anything (a meter, the link to a charger, this server) fails."""
