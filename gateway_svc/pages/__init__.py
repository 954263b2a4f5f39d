"""The gateway operator's console (``router``): the message log, traces drawn as sequence
diagrams and the traffic chart (``views``, ``svg``), parked messages and the rules; texts in
kk/ru/en (``texts``) and templates."""
