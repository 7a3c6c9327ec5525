-- question: How many Prop 64 convictions were there in each five-year period, by race/ethnicity?
-- grain: one row per five-year period of conviction (period_start 1970 = 1970 to 1974)
-- inputs: reviewed (queries/views/reviewed.sql)
-- notes: five-year periods, not years, so that fewer cells are small enough to withhold.
--        Convictions without a readable conviction date have a null period. The group
--        columns add up to convictions.
-- counts: convictions, hispanic, white, black, american_indian, asian, pacific_islander, other_or_multi, unknown
-- keys: period_start
-- adds up: convictions = hispanic + white + black + american_indian + asian + pacific_islander + other_or_multi + unknown
select
    period_start,
    count(*) as convictions,
    sum(case when race_group = 'HISPANIC' then 1 else 0 end) as hispanic,
    sum(case when race_group = 'WHITE' then 1 else 0 end) as white,
    sum(case when race_group = 'BLACK' then 1 else 0 end) as black,
    sum(case when race_group = 'AMERICAN_INDIAN' then 1 else 0 end) as american_indian,
    sum(case when race_group = 'ASIAN' then 1 else 0 end) as asian,
    sum(case when race_group = 'PACIFIC_ISLANDER' then 1 else 0 end) as pacific_islander,
    sum(case when race_group = 'OTHER_OR_MULTI' then 1 else 0 end) as other_or_multi,
    sum(case when race_group = 'UNKNOWN' then 1 else 0 end) as unknown
from reviewed
group by period_start
order by period_start nulls last
