"""Parses HL7 v2 messages with Debian's python3-hl7 and prints what it read, as JSON.

Reads a JSON list of message texts on stdin; prints, for each, a list of segments, each a list
of fields (field 0 is the segment name), each a list of repetitions of components of
subcomponents, every value unescaped by python-hl7 itself. The tests compare this with our own
parser, so a message we send must mean the same thing to an independent implementation.
"""
import json
import sys

import hl7


def leaves(message, node):
    if isinstance(node, str):
        return message.unescape(node)
    return [leaves(message, child) for child in node]


def normalise(message, segment):
    out = []
    for index, field in enumerate(segment):
        if str(segment[0]) == 'MSH' and index in (1, 2):
            # MSH-1 and MSH-2 are the delimiters themselves, held whole.
            out.append([[[field if isinstance(field, str) else str(field[0])]]])
            continue
        # python-hl7 nests as deep as the text needs; pad every field to rep/comp/sub depth.
        reps = field if isinstance(field, hl7.Field) and field and isinstance(field[0], hl7.Repetition) else [field]
        norm_reps = []
        for rep in reps:
            comps = rep if isinstance(rep, (hl7.Repetition, hl7.Field)) and rep and not isinstance(rep, str) and isinstance(rep[0], (hl7.Component, list)) else [rep]
            norm_comps = []
            for comp in comps:
                subs = list(comp) if isinstance(comp, (hl7.Component, list)) and not isinstance(comp, str) else [comp]
                norm_comps.append([message.unescape(str(s)) for s in subs])
            norm_reps.append(norm_comps)
        out.append(norm_reps)
    return out


def main():
    texts = json.load(sys.stdin)
    result = []
    for text in texts:
        message = hl7.parse(text)
        result.append([normalise(message, segment) for segment in message])
    json.dump(result, sys.stdout)


main()
