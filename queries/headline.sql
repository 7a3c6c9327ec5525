-- question: How many Prop 64 convictions and people were reviewed, what did the chosen flow decide, and how many people does each flow leave with no felony, no conviction, or none in the last 7 years?
-- grain: one row for everything reviewed
-- inputs: reviewed (queries/views/reviewed.sql), subjects
-- notes: the report's headline figures. A person's outcome counts every Prop 64 conviction
--        they have in any county (gogen's definition).
-- counts: convictions, dismissal, reduction, not_eligible, review, no_determination, people, some_relief, no_felony_left, no_conviction_left, no_conviction_last_7_years, dismiss_all_no_conviction_left, dismiss_all_related_no_conviction_left
-- adds up: convictions = dismissal + reduction + not_eligible + review + no_determination
with decided as (
    select
        count(*) as convictions,
        sum(dismissal) as dismissal,
        sum(reduction) as reduction,
        sum(not_eligible) as not_eligible,
        sum(review) as review,
        sum(no_determination) as no_determination
    from reviewed
),

people as (
    select distinct subject_id
    from reviewed
),

outcomes as (
    select
        count(*) as people,
        sum(case when s.some_relief then 1 else 0 end) as some_relief,
        sum(case when s.no_felony_left then 1 else 0 end) as no_felony_left,
        sum(case when s.no_conviction_left then 1 else 0 end) as no_conviction_left,
        sum(case when s.no_conviction_last_7_years then 1 else 0 end) as no_conviction_last_7_years,
        sum(case when s.dismiss_all_no_conviction_left then 1 else 0 end) as dismiss_all_no_conviction_left,
        sum(case when s.dismiss_all_related_no_conviction_left then 1 else 0 end)
            as dismiss_all_related_no_conviction_left
    from people as p
    inner join subjects as s on p.subject_id = s.subject_id
)

select *
from decided
cross join outcomes
