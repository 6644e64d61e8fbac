// A trusted local plugin, named by the user on the command line. It registers nothing; loading it must work.
export const loaded = true;
