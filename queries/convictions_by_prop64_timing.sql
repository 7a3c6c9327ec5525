-- question: How many Prop 64 convictions and people were there, dated after 2016-11-09 (the day Prop 64 passed) or not, and what did the chosen flow decide for them?
-- grain: one row per prop64_timing (on or before 2016-11-09; after 2016-11-09; date unknown)
-- inputs: reviewed (queries/views/reviewed.sql)
-- notes: Prop 64 changed the law for conduct from 2016-11-09 on; a conviction dated later
--        may be for conduct before it, so the flow decides it like any other (see its rules).
--        A person is counted once per row, so people do not add up across rows when someone
--        has convictions in more than one. The determination columns add up to convictions.
-- counts: convictions, people, dismissal, reduction, not_eligible, review, no_determination
-- keys: prop64_timing
-- adds up: convictions = dismissal + reduction + not_eligible + review + no_determination
select
    prop64_timing,
    count(*) as convictions,
    count(distinct subject_id) as people,
    sum(dismissal) as dismissal,
    sum(reduction) as reduction,
    sum(not_eligible) as not_eligible,
    sum(review) as review,
    sum(no_determination) as no_determination
from reviewed
group by prop64_timing
order by prop64_timing nulls last
