// Placeholder until the generator lands.
return 0;
