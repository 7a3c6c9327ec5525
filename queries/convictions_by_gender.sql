-- question: How many Prop 64 convictions and people were there, by gender, and what did the chosen flow decide for them?
-- grain: one row per gender
-- inputs: reviewed (queries/views/reviewed.sql)
-- notes: a person is counted once per row, so people do not add up across rows when someone
--        has convictions in more than one. The determination columns add up to convictions.
-- counts: convictions, people, dismissal, reduction, not_eligible, review, no_determination
-- keys: gender
-- adds up: convictions = dismissal + reduction + not_eligible + review + no_determination
select
    gender,
    count(*) as convictions,
    count(distinct subject_id) as people,
    sum(dismissal) as dismissal,
    sum(reduction) as reduction,
    sum(not_eligible) as not_eligible,
    sum(review) as review,
    sum(no_determination) as no_determination
from reviewed
group by gender
order by gender nulls last
