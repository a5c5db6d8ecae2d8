/ schema.q: the tables of borf's tick tests (time and sym first, as a
/ tickerplant expects; the feed sends every column but time)
trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`long$())
quote:([]time:`timespan$();sym:`g#`symbol$();bid:`float$();ask:`float$();bsize:`long$();asize:`long$())
